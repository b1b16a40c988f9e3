from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.access import staff_required
from accounts.models import Role
from core.forms import add_service_errors
from core.http import file_response
from core.paging import paginate
from intake.selectors import agency_for_sender_domain, inbound_facts, inbound_get_for_user

from .. import incoming_workflow as workflow
from .. import selectors
from ..forms import IncomingMetadataForm, PaperForm, RefuseForm, RouteForm, TextForm
from ..navigation import PAGE_ROLES, STAFF
from ..services import incoming as services
from ..tables import IncomingTable
from . import revisions

# The list's sorts that an index of migration 0019 serves; any other sorts the newest 5,000 (core.paging).
LIST_NEWEST = "-arrived_at"
LIST_INDEXED_SORTS = {"arrived_at", "status"}


def _add_errors(form, exc):
    if isinstance(exc, services.DuplicateWarning):
        form.duplicate_warning = exc.messages[0]
        data = form.data.copy()
        data["confirm_duplicate"] = "on"
        form.data = data
        return
    add_service_errors(form, exc)


@staff_required(*PAGE_ROLES["incoming_list"])
def incoming_list(request):
    filterset = selectors.incoming_filterset(membership=request.membership, filters=request.GET)
    table = paginate(IncomingTable(filterset.qs), request, per_page=25, newest=LIST_NEWEST, indexed=LIST_INDEXED_SORTS,
                     counted=selectors.incoming_list_counted(membership=request.membership, filters=request.GET))
    return render(request, "documents/incoming_list.html", {"table": table, "filter": filterset})


def _detail_context(membership, incoming, **extra):
    actions = workflow.available(membership, incoming)
    context = {
        "i": incoming,
        "files": incoming.files.all(),
        "events": incoming.events.select_related("actor"),
        "assignments": incoming.assignments.filter(is_current=True).select_related("unit", "member__user"),
        "replies": incoming.replies.all(),
        "actions": actions,
        "duplicates": services.duplicates_of(incoming) if incoming.notation else [],
        "text_form": TextForm(),
        "refuse_form": RefuseForm(),
        "today": timezone.localdate(),
        **revisions.incoming_revisions_context(membership, incoming),
    }
    if "register" in actions:
        context["register_form"] = IncomingMetadataForm(instance=incoming)
    if "route" in actions:
        context["route_form"] = RouteForm(choices=selectors.assignable(incoming.agency), initial={
            "due_date": incoming.due_date or services.default_due_date(incoming.urgency)})
    context.update(extra)
    return context


@staff_required(*STAFF)
def incoming_detail(request, pk):
    incoming = selectors.incoming_get_for_user(request.membership, pk)
    return render(request, "documents/incoming_detail.html", _detail_context(request.membership, incoming))


@require_POST
@staff_required(Role.CLERK)
def incoming_register(request, pk):
    membership = request.membership
    incoming = selectors.incoming_get_for_user(membership, pk)
    form = IncomingMetadataForm(request.POST, instance=incoming)
    if form.is_valid():
        try:
            incoming = services.incoming_register(membership=membership, incoming=incoming, **form.metadata())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Đã vào sổ, số đến %(n)s.") % {"n": incoming.arrival_number})
            return redirect("incoming_detail", pk)
    incoming.refresh_from_db()
    return render(request, "documents/incoming_detail.html",
                  _detail_context(membership, incoming, register_form=form))


@require_POST
@staff_required(Role.LEADER)
def incoming_route(request, pk):
    membership = request.membership
    incoming = selectors.incoming_get_for_user(membership, pk)
    form = RouteForm(request.POST, choices=selectors.assignable(incoming.agency))
    if form.is_valid():
        try:
            services.incoming_route(membership=membership, incoming=incoming, **form.routing())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Đã phân công xử lý."))
            return redirect("incoming_detail", pk)
    return render(request, "documents/incoming_detail.html", _detail_context(membership, incoming, route_form=form))


TEXT_ACTIONS = {
    "refuse": (services.incoming_refuse, "reason", gettext_lazy("Đã từ chối nhận văn bản; cơ quan gửi sẽ thấy lý do.")),
    "progress": (services.incoming_progress, "text", gettext_lazy("Đã cập nhật tiến độ.")),
    "input": (services.incoming_input, "text", gettext_lazy("Đã ghi ý kiến phối hợp.")),
    "complete": (services.incoming_complete, "result", gettext_lazy("Đã hoàn thành xử lý văn bản.")),
}


@require_POST
@staff_required(*STAFF)
def incoming_action(request, pk, action):
    if action not in TEXT_ACTIONS:
        raise Http404
    membership = request.membership
    incoming = selectors.incoming_get_for_user(membership, pk)
    service, argument, done = TEXT_ACTIONS[action]
    text = request.POST.get("reason") or request.POST.get("text") or ""
    try:
        service(membership=membership, incoming=incoming, **{argument: text})
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect("incoming_detail", pk)


@staff_required(*STAFF)
def incoming_file(request, pk, file_pk):
    incoming = selectors.incoming_get_for_user(request.membership, pk)
    file = get_object_or_404(incoming.files, pk=file_pk)
    if incoming.withdrawn_at is not None:
        return revisions.recalled_file(request, incoming)
    return file_response(file.file, name=file.name, content_type=file.content_type,
                         download=request.GET.get("download") == "1", sha256=file.sha256)


@staff_required(*PAGE_ROLES["incoming_paper"])
def incoming_paper(request):
    """Register a paper document: its scan and the metadata typed by the clerk."""
    membership = request.membership
    form = PaperForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            incoming = services.incoming_from_paper(membership=membership, scans=form.cleaned_data["scans"],
                                                    **form.metadata())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Đã vào sổ văn bản giấy, số đến %(n)s.") % {"n": incoming.arrival_number})
            return redirect("incoming_detail", incoming.pk)
    return render(request, "documents/incoming_form.html", {"form": form, "title": _("Vào sổ văn bản giấy")})


@staff_required(Role.CLERK)
def incoming_from_email(request, message_pk):
    """Register a message of the agency mailbox, with the metadata read from it as a start."""
    membership = request.membership
    inbound = inbound_get_for_user(membership, message_pk)
    sender = inbound.hint_issuing_agency or agency_for_sender_domain(inbound.sender_email)
    initial = {
        "sender_agency": sender, "notation": inbound.hint_number_notation,
        "doc_date": inbound.hint_document_date, "summary": inbound.subject,
        "sender_name": sender.name if sender else inbound.sender_name,
        "doc_type": services.doc_type_from_hint(inbound.hint_document_type),
    }
    form = IncomingMetadataForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            incoming = services.incoming_from_email(membership=membership, inbound=inbound, **form.metadata())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Đã vào sổ, số đến %(n)s.") % {"n": incoming.arrival_number})
            return redirect("incoming_detail", incoming.pk)
    return render(request, "documents/incoming_form.html",
                  {"form": form, "title": _("Vào sổ thư điện tử đến"), "inbound": inbound,
                   "facts": inbound_facts(inbound)})
