"""A main file already chosen survives a form refused for another reason (a bad attachment, a missing
field): it is stored aside under a random token kept in the person's own session, and the form sends the
token back instead of asking for the file again. A token of another session finds nothing."""

import datetime
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core import files as core_files

SESSION_KEY = "portal_kept_uploads"
FOLDER = "kept-uploads"
KEPT_FOR = datetime.timedelta(days=1)  # a form left unfinished longer than this starts again


def upload_keep(request, upload):
    """Store `upload` aside for this session; returns its token. Files kept longer than KEPT_FOR go."""
    uploads_purge_stale()
    token = secrets.token_urlsafe(18)
    path = default_storage.save(f"{FOLDER}/{token}.pdf", ContentFile(core_files.read_upload(upload)))
    kept = dict(request.session.get(SESSION_KEY, {}))
    kept[token] = {"path": path, "name": upload.name}
    request.session[SESSION_KEY] = kept
    return token


def upload_kept(request, token):
    """The upload kept under `token` by this session, as a fresh upload; None if there is none."""
    entry = request.session.get(SESSION_KEY, {}).get(token or "")
    if not entry or not default_storage.exists(entry["path"]):
        return None
    with default_storage.open(entry["path"]) as stored:
        return SimpleUploadedFile(entry["name"], stored.read(), content_type="application/pdf")


def upload_discard(request, token):
    kept = dict(request.session.get(SESSION_KEY, {}))
    entry = kept.pop(token or "", None)
    if entry:
        request.session[SESSION_KEY] = kept
        default_storage.delete(entry["path"])


def uploads_purge_stale():
    """Delete kept uploads older than KEPT_FOR (each keep, and daily from beat); returns how many went."""
    gone = 0
    try:
        _folders, names = default_storage.listdir(FOLDER)
    except FileNotFoundError:
        return gone
    for name in names:
        path = f"{FOLDER}/{name}"
        if timezone.now() - default_storage.get_modified_time(path) > KEPT_FOR:
            default_storage.delete(path)
            gone += 1
    return gone
