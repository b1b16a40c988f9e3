"""Changing a meeting after its invitation went out (postpone, move, update, cancel) and "Nhắc trả lời":
POSTs from the meeting page's changes card, back to the page with a message."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.access import staff_required

from ..change_forms import CancelForm, MoveForm, PostponeForm, UpdateForm
from ..selectors import meeting_get_for_user
from ..services import changes as services

ACTIONS = {
    "postpone": (PostponeForm, services.meeting_postpone,
                 gettext_lazy("Đã dời thời gian cuộc họp và báo cho các thành phần mời.")),
    "move": (MoveForm, services.meeting_move, gettext_lazy("Đã đổi địa điểm cuộc họp và báo cho các thành phần mời.")),
    "update": (UpdateForm, services.meeting_update,
               gettext_lazy("Đã điều chỉnh cuộc họp và báo cho các thành phần mời.")),
    "cancel": (CancelForm, services.meeting_cancel, gettext_lazy("Đã hủy cuộc họp và báo cho các thành phần mời.")),
}


def _back(meeting):
    return redirect(reverse("meeting_detail", kwargs={"pk": meeting.pk}) + "#changes")


def _problems(request, errors):
    for error in errors:
        messages.error(request, error)


@staff_required()
@require_POST
def meeting_change(request, pk, action):
    meeting = meeting_get_for_user(request.membership, pk)
    form_class, service, done = ACTIONS[action]
    form = form_class(request.POST, meeting=meeting)
    if not form.is_valid():
        _problems(request, [error for errors in form.errors.values() for error in errors])
        return _back(meeting)
    try:
        service(membership=request.membership, meeting=meeting, **form.cleaned_data)
    except ValidationError as exc:
        _problems(request, exc.messages)
    else:
        messages.success(request, done)
    return _back(meeting)


@staff_required()
@require_POST
def answer_reminders(request, pk):
    meeting = meeting_get_for_user(request.membership, pk)
    try:
        count = services.answer_reminders_send(membership=request.membership, meeting=meeting)
    except ValidationError as exc:
        _problems(request, exc.messages)
    else:
        if count:
            messages.success(request, ngettext("Đã gửi thư nhắc trả lời tới %(count)s thành phần chưa trả lời.",
                                               "Đã gửi thư nhắc trả lời tới %(count)s thành phần chưa trả lời.",
                                               count) % {"count": count})
        else:
            messages.info(request, _("Không có thư nhắc nào cần gửi: mọi thành phần đã trả lời, không có địa chỉ "
                                     "thư, hoặc đã được nhắc hôm nay."))
    return _back(meeting)
