"""Meeting pages for staff: the list, a meeting with its live attendance and exports, the details form of a Giấy
mời, and the invitations a person answers for."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, F, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts.access import staff_required
from core import exports as core_exports
from core.forms import add_service_errors
from documents import selectors as document_selectors
from documents.models import DocumentType

from .. import exports, selectors
from ..forms import AnswerForm, MeetingDetailsForm
from ..models import Invitee
from ..services.attendance import invitee_answer
from ..services.invitations import meeting_details_save
from ..tables import MeetingTable


def _upcoming_first(queryset):
    """Meetings not yet over, soonest first, then the past ones, latest first."""
    now = timezone.now()
    return queryset.annotate(
        is_past=Case(When(ends_at__lt=now, then=Value(1)), default=Value(0), output_field=IntegerField()),
        upcoming_start=Case(When(ends_at__gte=now, then=F("starts_at")), default=None),
    ).order_by("is_past", F("upcoming_start").asc(nulls_last=True), "-starts_at")


@staff_required()
def meeting_list(request):
    filterset = selectors.meeting_filterset(membership=request.membership, filters=request.GET)
    table = MeetingTable(_upcoming_first(filterset.qs), request=request)
    table.paginate(page=request.GET.get("page", 1), per_page=25)
    return render(request, "meetings/list.html", {"table": table, "filter": filterset})


@staff_required()
def meeting_detail(request, pk):
    meeting = selectors.meeting_get_for_user(request.membership, pk)
    return render(request, "meetings/detail.html", {
        "meeting": meeting, **selectors.attendance(meeting),
        "details_editable": selectors.meeting_details_editable(request.membership, meeting.invitation),
    })


@staff_required()
def meeting_attendance(request, pk):
    meeting = selectors.meeting_get_for_user(request.membership, pk)
    return render(request, "meetings/_attendance.html", {"meeting": meeting, **selectors.attendance(meeting)})


@staff_required()
def meeting_attendance_export(request, pk, fmt):
    meeting = selectors.meeting_get_for_user(request.membership, pk)
    if fmt == "xlsx":
        return core_exports.download(exports.attendance_xlsx(meeting), f"tham-du-{meeting.pk}.xlsx",
                                     core_exports.XLSX)
    return core_exports.download(exports.attendance_pdf(meeting), f"tham-du-{meeting.pk}.pdf", core_exports.PDF)


@staff_required()
def meeting_details(request, outgoing_pk):
    membership = request.membership
    outgoing = document_selectors.outgoing_get_for_user(membership, outgoing_pk)
    if outgoing.doc_type != DocumentType.GIAY_MOI:
        raise Http404
    if not selectors.meeting_details_editable(membership, outgoing):
        raise PermissionDenied(_("Chỉ sửa được thông tin cuộc họp khi giấy mời còn là dự thảo, "
                                 "bởi người soạn hoặc văn thư của cơ quan."))
    meeting = selectors.meeting_for_outgoing(outgoing)
    people = selectors.meeting_people_choices(membership.agency)
    form = MeetingDetailsForm(request.POST or None, people=people, initial=MeetingDetailsForm.initial_for(meeting))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting_details_save(membership=membership, outgoing=outgoing, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Đã lưu thông tin cuộc họp."))
            return redirect("outgoing_detail", outgoing.pk)
    return render(request, "meetings/details_form.html", {"form": form, "outgoing": outgoing, "meeting": meeting})


@staff_required()
def meeting_invitations(request):
    invitations = selectors.invitations_for(request.membership)
    now = timezone.now()
    return render(request, "meetings/invitations.html", {
        "upcoming": [i for i in invitations if i.meeting.ends_at >= now],
        "past": [i for i in invitations if i.meeting.ends_at < now][-50:][::-1],
    })


def _back(request, fallback):
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}):
        return wanted
    return fallback


@staff_required()
def meeting_invitation(request, pk):
    """One invitation the person answers for: the meeting and the answer form (GET shows, POST answers)."""
    membership = request.membership
    invitee = selectors.invitation_get_for_user(membership, pk)
    may_answer = selectors.invitee_may_answer(membership, invitee)
    form = AnswerForm(request.POST or None, invitee=invitee, members=selectors.answer_members(invitee))
    if request.method == "POST":
        if not may_answer:
            raise PermissionDenied(_("Bạn không trả lời thay được cho thành phần mời này."))
        if form.is_valid():
            try:
                invitee_answer(invitee=invitee, via=Invitee.Via.PORTAL, user=request.user, **form.answer_data())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Đã ghi nhận trả lời tham dự."))
                return redirect(_back(request, "meeting_invitations"))
    return render(request, "meetings/invitation.html", {
        "invitee": invitee, "meeting": invitee.meeting, "form": form if may_answer else None,
        "next": _back(request, ""),
    })

