"""Meeting papers: adding papers and versions (organising side), opening them in the portal and by an invitee's
link. Every opening is recorded; a secret meeting's papers never open by link."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import staff_required
from core.http import file_response

from .. import paper_selectors as selectors
from ..models import Paper
from ..paper_forms import PaperForm, PaperVersionForm
from ..services import papers as services
from ..tokens import invitee_from_token


def _back(meeting_pk):
    return redirect(reverse("meeting_detail", kwargs={"pk": meeting_pk}) + "#papers")


def _problems(request, form_or_exc):
    errors = form_or_exc.messages if isinstance(form_or_exc, ValidationError) else [
        error for errors in form_or_exc.errors.values() for error in errors]
    for error in errors:
        messages.error(request, error)


@staff_required()
@require_POST
def paper_add(request, pk):
    meeting = selectors.meeting_for_paper_reader(request.membership, pk)
    form = PaperForm(request.POST, request.FILES)
    if not form.is_valid():
        _problems(request, form)
        return _back(meeting.pk)
    try:
        paper = services.paper_add(membership=request.membership, meeting=meeting, **form.cleaned_data)
    except ValidationError as exc:
        _problems(request, exc)
    else:
        messages.success(request, _("Đã đưa tài liệu “%(title)s” lên.") % {"title": paper.title})
    return _back(meeting.pk)


@staff_required()
@require_POST
def paper_version_add(request, pk, paper_pk):
    meeting = selectors.meeting_for_paper_reader(request.membership, pk)
    paper = get_object_or_404(Paper, pk=paper_pk, meeting=meeting)
    form = PaperVersionForm(request.POST, request.FILES, paper=paper)
    if not form.is_valid():
        _problems(request, form)
        return _back(meeting.pk)
    try:
        version = services.paper_version_add(membership=request.membership, paper=paper, **form.cleaned_data)
    except ValidationError as exc:
        _problems(request, exc)
    else:
        messages.success(request, _("Đã đưa phiên bản %(number)s của “%(title)s” lên; người đọc nhận phiên bản "
                                    "này từ nay.") % {"number": version.number, "title": paper.title})
    return _back(meeting.pk)


@staff_required()
def paper_open(request, pk, version_pk):
    version = selectors.version_for_reader(request.membership, pk, version_pk)
    services.paper_opening_record(version=version, user=request.user)
    return file_response(version.file, name=version.name, content_type=version.content_type, sha256=version.sha256)


def paper_open_link(request, token, version_pk):
    try:
        invitee = invitee_from_token(token)
        version = selectors.version_for_invitee(invitee, version_pk)
    except PermissionDenied as exc:  # expired link, secret meeting: say why
        return render(request, "meetings/paper_refused.html", {"reason": str(exc)}, status=403)
    services.paper_opening_record(version=version, invitee=invitee)
    return file_response(version.file, name=version.name, content_type=version.content_type, sha256=version.sha256)
