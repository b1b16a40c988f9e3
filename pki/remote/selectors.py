"""Who may see a remote signing request: its certificate's owner, and whoever a reader hook admits."""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import RemoteSigningRequest

_readers = {}


def remote_readers(purpose):
    """Register `may_read(user, request) -> bool` for requests of `purpose` (e.g. the staff who may see the
    document being signed); the owner may always read."""
    def register(function):
        _readers[purpose] = function
        return function

    return register


def remote_request_get_for_user(user, pk) -> RemoteSigningRequest:
    """The request if `user` owns its certificate or the purpose's reader hook admits them; else 404."""
    request = RemoteSigningRequest.objects.select_related("certificate").filter(pk=pk).first()
    if request is None or not user.is_authenticated:
        raise Http404(_("Không có yêu cầu ký này."))
    reader = _readers.get(request.purpose)
    if request.certificate.user_id != user.pk and not (reader and reader(user, request)):
        raise Http404(_("Không có yêu cầu ký này."))
    return request


def remote_seconds_left(request):
    """Seconds until a pending request expires (0 once past)."""
    return max(0, int((request.expires_at - timezone.now()).total_seconds()))
