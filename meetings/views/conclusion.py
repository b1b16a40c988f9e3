"""The conclusion notice of a meeting: the drafter uploads the notice's PDF, the portal starts the TB draft
addressed like the invitation and opens it; signing, issuing and delivering are the outgoing pages'."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import staff_required

from ..conclusion_forms import ConclusionForm
from ..selectors import meeting_get_for_user
from ..services.conclusion import conclusion_draft


@staff_required()
@require_POST
def meeting_conclusion(request, pk):
    meeting = meeting_get_for_user(request.membership, pk)
    form = ConclusionForm(request.POST, request.FILES, meeting=meeting)
    if form.is_valid():
        try:
            outgoing = conclusion_draft(membership=request.membership, meeting=meeting, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Đã tạo dự thảo thông báo kết luận, gửi tới các nơi đã nhận giấy mời. "
                                        "Trình ký và phát hành như văn bản đi khác."))
            return redirect("outgoing_detail", outgoing.pk)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(reverse("meeting_detail", kwargs={"pk": meeting.pk}) + "#conclusion")
