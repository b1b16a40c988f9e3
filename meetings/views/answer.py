"""The answer page of an invitee's link (`/m/<token>/`): no account, the token is the key (meetings.tokens)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core.forms import add_service_errors

from ..forms import AnswerForm
from ..models import Invitee
from ..services.attendance import invitee_answer
from ..tokens import invitee_from_token


@never_cache
def meeting_answer_link(request, token):
    invitee = invitee_from_token(token)
    if invitee.meeting.is_secret:  # never sent by e-mail; a secret meeting is answered inside the portal only
        raise PermissionDenied(_("Cuộc họp mật chỉ trả lời trong cổng trao đổi văn bản."))
    form = AnswerForm(request.POST or None, invitee=invitee)
    if request.method == "POST" and form.is_valid():
        try:
            invitee_answer(invitee=invitee, via=Invitee.Via.LINK, **form.answer_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Đã ghi nhận trả lời tham dự. Cảm ơn quý cơ quan."))
            return redirect("meeting_answer_link", token)
    return render(request, "meetings/answer_link.html", {
        "invitee": invitee, "meeting": invitee.meeting, "form": form, "token": token})
