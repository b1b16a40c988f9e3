"""The one way the portal serves a stored file: typed from its content, never run in the portal's origin."""

from django.http import FileResponse, HttpResponse

from . import files
from .storage import TamperedFile, open_verified

# Inline files are shown sandboxed: no script, no form, nothing fetched. Chromium's PDF viewer still shows
# a PDF under `sandbox` (tests/browser/test_file_script_browser.py); `plugin-types` is gone from browsers.
INLINE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; object-src 'self'; sandbox"
DOWNLOAD_CSP = "default-src 'none'; sandbox"
_KNOWN_TYPES = frozenset(files.CONTENT_TYPES.values())
_INLINE_TYPES = frozenset(files.CONTENT_TYPES[kind] for kind in files.INLINE)


def file_response(stored, *, name, content_type="", download=False, public=False, sha256=""):
    """A response for a stored file (a FieldFile), streamed from its storage (never a redirect to it, wherever it
    lies: the caller has checked permissions). `content_type` is what core.files found at upload; for a
    file stored before that, the type is sniffed from its first bytes, never guessed from its name. Only PDFs
    and raster images may be shown inline (unless `download`); anything else is an attachment. With `sha256`
    (recorded when the file was written) a file whose bytes changed since is refused with a 500 saying so."""
    try:
        handle = open_verified(stored, sha256)
    except TamperedFile as error:
        response = HttpResponse(error.message, status=500, content_type="text/plain; charset=utf-8")
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "no-store"
        return response
    if content_type not in _KNOWN_TYPES:
        content_type = files.CONTENT_TYPES[files.sniff(handle.read(64))]
        handle.seek(0)
    inline = content_type in _INLINE_TYPES and not download
    response = FileResponse(handle, as_attachment=not inline, filename=files.display_name(name),
                            content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = INLINE_CSP if inline else DOWNLOAD_CSP
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response
