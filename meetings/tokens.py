"""The answer link of one invitee (`/m/<token>/`): signed with django.core.signing, nothing stored.

The token names the invitee and its meeting; it is good until a day after the meeting's end as the meeting stands
now (a postponed meeting keeps its links working), so an old link cannot answer or read after the meeting.
"""

from datetime import timedelta

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

SALT = "meetings.invitee"
VALID_AFTER_END = timedelta(days=1)


def invitee_token(invitee):
    return signing.dumps({"i": invitee.pk, "m": invitee.meeting_id}, salt=SALT, compress=True)


def token_expires_at(meeting):
    return meeting.ends_at + VALID_AFTER_END


def invitee_from_token(token):
    """The invitee the token was made for; Http404 when it is not one of ours, PermissionDenied once expired."""
    from .models import Invitee

    try:
        data = signing.loads(token, salt=SALT)
        invitee_pk, meeting_pk = int(data["i"]), int(data["m"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise Http404 from exc
    invitee = (Invitee.objects.select_related("meeting", "meeting__agency", "meeting__invitation")
               .filter(pk=invitee_pk, meeting_id=meeting_pk).first())
    if invitee is None:
        raise Http404
    if timezone.now() > token_expires_at(invitee.meeting):
        raise PermissionDenied(_("Đường dẫn này đã hết hạn vì cuộc họp đã kết thúc."))
    return invitee
