"""The one way the portal serves a stored file: typed from its content, never run in the portal's origin."""

from django.http import FileResponse

from . import files

# Inline files are shown sandboxed: no script, no form, nothing fetched. Chromium's PDF viewer still shows
# a PDF under `sandbox` (tests/browser/test_file_script_browser.py); `plugin-types` is gone from browsers.
INLINE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; object-src 'self'; sandbox"
DOWNLOAD_CSP = "default-src 'none'; sandbox"
_KNOWN_TYPES = frozenset(files.CONTENT_TYPES.values())
_INLINE_TYPES = frozenset(files.CONTENT_TYPES[kind] for kind in files.INLINE)


def file_response(stored, *, name, content_type="", download=False, public=False):
    """A response for a stored file (a FieldFile). `content_type` is what core.files found at upload; for a
    file stored before that, the type is sniffed from its first bytes, never guessed from its name. Only PDFs
    and raster images may be shown inline (unless `download`); anything else is an attachment."""
    handle = stored.open("rb")
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
