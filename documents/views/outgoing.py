from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts.access import mfa_required, staff_required
from accounts.models import Role
from accounts.selectors import request_needs_mfa
from core import files as core_files
from core.forms import add_service_errors
from core.http import file_response
from core.paging import paginate
from pki.errors import SigningError

from .. import noinhan, selectors, workflow
from ..forms import (
    CommentForm,
    DraftRecipientsForm,
    LineDismissForm,
    LineMapForm,
    OutgoingForm,
    PasteForm,
    RecipientForm,
    ResendForm,
)
from ..models import Delivery, OutgoingFile
from ..navigation import PAGE_ROLES
from ..services import incoming as incoming_services
from ..services import outgoing as services
from ..services.delivery import deliveries_resend_failed, delivery_resend
from ..tables import OutgoingTable, delivery_rows, delivery_status_counts
from ..uploads import upload_discard, upload_keep, upload_kept
from .revisions import outgoing_revisions_context
from .signing import signing_context

# The list's sorts that an index of migration 0019 serves; any other sorts the newest 5,000 (core.paging).
LIST_NEWEST = "-updated_at"
LIST_INDEXED_SORTS = {"updated_at", "notation", "doc_type", "status"}


def _errors(exc):
    return exc.messages if hasattr(exc, "messages") else [str(exc)]


@staff_required(*PAGE_ROLES["outgoing_list"])
def outgoing_list(request):
    filterset = selectors.outgoing_filterset(membership=request.membership, filters=request.GET)
    table = paginate(OutgoingTable(filterset.qs), request, per_page=25, newest=LIST_NEWEST, indexed=LIST_INDEXED_SORTS)
    return render(request, "documents/outgoing_list.html", {"table": table, "filter": filterset})


def _reply_target(request):
    """The incoming document a new draft answers (?reply_to=), if the person may reply to it."""
    pk = request.GET.get("reply_to") or request.POST.get("reply_to")
    if not pk or not str(pk).isdigit():
        return None
    return selectors.incoming_get_for_user(request.membership, pk)


@staff_required(Role.SPECIALIST, Role.CLERK, Role.LEADER)
def outgoing_create(request):
    membership = request.membership
    reply_to = _reply_target(request)
    try:
        services.outgoing_create_check(membership, in_reply_to=reply_to)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("incoming_list")
    initial = {"drafting_unit": membership.unit}
    if reply_to:
        initial["summary"] = incoming_services.reply_summary(reply_to)
    form = OutgoingForm(request.POST or None, request.FILES or None, agency=membership.agency, initial=initial)
    to_form = DraftRecipientsForm(request.POST or None, choices=selectors.recipient_choices(membership.agency))
    token = request.POST.get("main_file_token", "")
    kept = upload_kept(request, token) if request.method == "POST" else None
    if kept:
        form.fields["main_file"].required = False
    if request.method == "POST" and form.is_valid() and to_form.is_valid():
        try:
            outgoing = services.outgoing_create_addressed(
                membership=membership, main_file=form.cleaned_data["main_file"] or kept,
                attachments=form.cleaned_data["attachments"], in_reply_to=reply_to,
                recipients=to_form.recipients(), noi_nhan_text=to_form.cleaned_data["text"], **form.draft_data(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            upload_discard(request, token)
            messages.success(request, _("Đã tạo dự thảo. Kiểm tra nơi nhận rồi trình duyệt."))
            return redirect("outgoing_detail", outgoing.pk)
    if request.method == "POST":
        token, kept = _keep_main_file(request, token, kept)
    return render(request, "documents/outgoing_form.html", {
        "form": form, "to_form": to_form, "title": _("Soạn văn bản đi"), "reply_to": reply_to,
        "main_file_token": token if kept else "", "kept_main_file": kept})


def _keep_main_file(request, token, kept):
    """A refused form keeps the sound main file just chosen (or the one kept before): (token, upload)."""
    upload = request.FILES.get("main_file")
    if upload is None:
        return token, kept
    try:
        core_files.check_pdf(upload.name, core_files.read_upload(upload))
    except ValidationError:
        return token, kept
    upload_discard(request, token)
    return upload_keep(request, upload), upload


@staff_required(Role.SPECIALIST, Role.CLERK, Role.LEADER)
def outgoing_edit(request, pk):
    membership = request.membership
    outgoing = selectors.outgoing_get_for_user(membership, pk)
    if not workflow.can_edit(membership, outgoing):
        raise PermissionDenied(_("Văn bản ở trạng thái này không sửa được, hoặc bạn không có quyền sửa."))
    form = OutgoingForm(request.POST or None, request.FILES or None, instance=outgoing, agency=membership.agency)
    token = request.POST.get("main_file_token", "")
    kept = upload_kept(request, token) if request.method == "POST" else None
    if request.method == "POST" and form.is_valid():
        try:
            services.outgoing_update(
                membership=membership, outgoing=outgoing, main_file=form.cleaned_data["main_file"] or kept,
                attachments=form.cleaned_data["attachments"], **form.draft_data(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            upload_discard(request, token)
            messages.success(request, _("Đã lưu dự thảo."))
            return redirect("outgoing_detail", outgoing.pk)
    if request.method == "POST":
        token, kept = _keep_main_file(request, token, kept)
    return render(request, "documents/outgoing_form.html", {
        "form": form, "title": _("Sửa dự thảo"), "outgoing": outgoing,
        "main_file_token": token if kept else "", "kept_main_file": kept})


def _detail_context(request, outgoing, **extra):
    membership = request.membership
    editable = workflow.can_edit(membership, outgoing)
    lines = list(outgoing.unresolved_lines.select_related("recipient__agency", "recipient__unit", "recipient__group",
                                                          "settled_by"))
    choices = selectors.recipient_choices(outgoing.agency) if editable else None
    recipients = noinhan.Destinations(outgoing).noted()  # read once for the list and both printed blocks
    return {
        "o": outgoing,
        "files": outgoing.files.all(),
        "recipients": recipients,
        "noi_nhan": noinhan.noi_nhan_lines(outgoing, recipients),
        "kinh_gui": noinhan.kinh_gui_lines(outgoing, recipients),
        "noi_nhan_warnings": noinhan.noi_nhan_warnings(outgoing),
        "events": outgoing.events.select_related("actor"),
        "transitions": workflow.available(membership, outgoing),
        "needs_mfa": request_needs_mfa(request),
        "editable": editable,
        "recipient_form": RecipientForm(choices=choices) if editable else None,
        "paste_form": PasteForm() if editable else None,
        # Pasted lines that matched nothing, in every state, for the drafter, the signer and the clerk.
        "lines": lines,
        "open_line_count": sum(line.is_open for line in lines),
        "line_forms": [
            (line, LineMapForm(line=line, choices=choices), LineDismissForm(line=line))
            for line in lines if line.is_open
        ] if editable else [],
        "comment_form": CommentForm(),
        **signing_context(membership, outgoing),
        # The delivery card is an issued document's only.
        **(_deliveries_context(request, outgoing) if outgoing.status == outgoing.Status.ISSUED else {}),
        **outgoing_revisions_context(membership, outgoing),
        **extra,
    }


def _deliveries_context(request, outgoing):
    """A page of the delivery card (?delivery_status=, ?delivery_page=): a document sent to hundreds or thousands
    shows DELIVERIES_PER_PAGE rows, the failed ones first, with a count of each state."""
    page = request.GET.get("delivery_page", "1")
    try:
        context = selectors.deliveries_page(outgoing, status=request.GET.get("delivery_status", ""),
                                            page=int(page) if page.isdigit() else 0)
    except selectors.DeliveryPageNotFound:
        raise Http404 from None
    context["deliveries"] = delivery_rows(context["deliveries"])
    context["delivery_status_counts"] = delivery_status_counts(context["progress"])
    return context


@staff_required(Role.SPECIALIST, Role.CLERK, Role.LEADER)
def outgoing_detail(request, pk):
    outgoing = selectors.outgoing_get_for_user(request.membership, pk)
    return render(request, "documents/outgoing_detail.html", _detail_context(request, outgoing))


ACTIONS = {
    "submit": services.outgoing_submit,
    "withdraw": services.outgoing_withdraw,
    "approve": services.outgoing_approve,
    "return": services.outgoing_return,
    "issue": services.outgoing_issue,
}
DONE_MESSAGES = {
    "submit": gettext_lazy("Đã trình văn bản cho người ký."),
    "withdraw": gettext_lazy("Đã rút lại dự thảo để sửa."),
    "approve": gettext_lazy("Đã ký số và duyệt văn bản. Văn thư sẽ cấp số, ký số của cơ quan và phát hành."),
    "return": gettext_lazy("Đã trả lại dự thảo kèm ý kiến."),
    "issue": gettext_lazy("Đã phát hành văn bản số %(notation)s; đang gửi tới các nơi nhận."),
}


@sensitive_post_parameters("pin")
@require_POST
@staff_required(Role.SPECIALIST, Role.CLERK, Role.LEADER)
def outgoing_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    # The signing PIN is taken out of the request before anything may keep it: a request suspended for a
    # two-factor code is stored in the session, and the PIN is never stored anywhere.
    request.signing_pin = None
    if "pin" in request.POST:
        request.POST = request.POST.copy()
        request.signing_pin = request.POST.pop("pin")[-1]
    if action in workflow.NEEDS_MFA:
        return _mfa_action(request, pk, action)
    return _run_action(request, pk, action)


@mfa_required
def _mfa_action(request, pk, action):
    return _run_action(request, pk, action)


def _run_action(request, pk, action):
    membership = request.membership
    outgoing = selectors.outgoing_get_for_user(membership, pk)
    form = CommentForm(request.POST)
    form.is_valid()
    kwargs = {"membership": membership, "outgoing": outgoing}
    if action != "issue":
        kwargs["comment"] = form.cleaned_data.get("comment", "")
    if action == "approve":
        kwargs["pin"] = getattr(request, "signing_pin", None)
    try:
        outgoing = ACTIONS[action](**kwargs)
    except ValidationError as exc:
        for error in _errors(exc):
            messages.error(request, error)
    except SigningError as exc:
        messages.error(request, str(exc))
    else:
        if action == "approve" and outgoing.status != outgoing.Status.APPROVED:
            messages.info(request, _("Đã gửi yêu cầu ký tới điện thoại của bạn: đang chờ xác nhận trên điện thoại."))
        else:
            messages.success(request, str(DONE_MESSAGES[action]) % {"notation": outgoing.notation})
    return redirect("outgoing_detail", pk)


def _recipients_response(request, outgoing, **extra):
    context = _detail_context(request, outgoing, **extra)
    if request.headers.get("HX-Request"):
        return render(request, "documents/_recipients.html", context)
    return redirect("outgoing_detail", outgoing.pk)


@require_POST
@staff_required(Role.SPECIALIST, Role.CLERK)
def recipient_add(request, pk):
    membership = request.membership
    outgoing = selectors.outgoing_get_for_user(membership, pk)
    form = RecipientForm(request.POST, choices=selectors.recipient_choices(outgoing.agency))
    extra = {}
    if form.is_valid():
        try:
            services.recipient_add(membership=membership, outgoing=outgoing, **form.recipient_data())
        except ValidationError as exc:
            extra["recipient_errors"] = _errors(exc)
    else:
        extra["recipient_errors"] = [e for errors in form.errors.values() for e in errors]
    return _recipients_response(request, outgoing, **extra)


@require_POST
@staff_required(Role.SPECIALIST, Role.CLERK)
def recipient_remove(request, pk, recipient_pk):
    outgoing = selectors.outgoing_get_for_user(request.membership, pk)
    recipient = get_object_or_404(outgoing.recipients, pk=recipient_pk)
    services.recipient_remove(membership=request.membership, recipient=recipient)
    return _recipients_response(request, outgoing)


@require_POST
@staff_required(Role.SPECIALIST, Role.CLERK)
def recipients_paste(request, pk):
    membership = request.membership
    outgoing = selectors.outgoing_get_for_user(membership, pk)
    form = PasteForm(request.POST)
    extra = {}
    if form.is_valid():
        lines = services.recipients_paste(membership=membership, outgoing=outgoing, text=form.cleaned_data["text"])
        outgoing.refresh_from_db()
        extra["parsed"] = lines
    return _recipients_response(request, outgoing, **extra)


@require_POST
@staff_required(Role.SPECIALIST, Role.CLERK)
def recipient_line_map(request, pk, line_pk):
    """Map one pasted line that matched nothing to a recipient; the other open lines stay."""
    membership = request.membership
    outgoing = selectors.outgoing_get_for_user(membership, pk)
    line = get_object_or_404(outgoing.unresolved_lines, pk=line_pk)
    form = LineMapForm(request.POST, line=line, choices=selectors.recipient_choices(outgoing.agency))
    extra = {}
    if form.is_valid():
        try:
            services.recipient_line_map(membership=membership, line=line, **form.recipient_data())
        except ValidationError as exc:
            extra["recipient_errors"] = _errors(exc)
    else:
        extra["recipient_errors"] = [e for errors in form.errors.values() for e in errors]
    return _recipients_response(request, outgoing, **extra)


@require_POST
@staff_required(Role.SPECIALIST, Role.CLERK)
def recipient_line_dismiss(request, pk, line_pk):
    """Dismiss one pasted line that matched nothing, with the reason why."""
    membership = request.membership
    outgoing = selectors.outgoing_get_for_user(membership, pk)
    line = get_object_or_404(outgoing.unresolved_lines, pk=line_pk)
    form = LineDismissForm(request.POST, line=line)
    extra = {}
    if form.is_valid():
        try:
            services.recipient_line_dismiss(membership=membership, line=line, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            extra["recipient_errors"] = _errors(exc)
    else:
        extra["recipient_errors"] = [e for errors in form.errors.values() for e in errors]
    return _recipients_response(request, outgoing, **extra)


@staff_required(Role.SPECIALIST, Role.CLERK, Role.LEADER)
def deliveries_panel(request, pk):
    """The delivery progress, polled by the page while deliveries are under way."""
    outgoing = selectors.outgoing_get_for_user(request.membership, pk)
    return render(request, "documents/_deliveries.html", {"o": outgoing, **_deliveries_context(request, outgoing)})


@require_POST
@staff_required(Role.CLERK)
def delivery_resend_view(request, pk, delivery_pk):
    outgoing = selectors.outgoing_get_for_user(request.membership, pk)
    target = get_object_or_404(Delivery, pk=delivery_pk, outgoing=outgoing)
    form = ResendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Địa chỉ thư điện tử không hợp lệ."))
        return redirect("outgoing_detail", pk)
    try:
        delivery_resend(membership=request.membership, delivery=target, email=form.cleaned_data["email"],
                        confirm_uncertain=form.cleaned_data["confirm_uncertain"])
    except ValidationError as exc:
        for error in _errors(exc):
            messages.error(request, error)
    else:
        messages.success(request, _("Đang gửi lại tới %(email)s.") % {"email": form.cleaned_data["email"]})
    return redirect("outgoing_detail", pk)


@require_POST
@staff_required(Role.CLERK)
def deliveries_resend_failed_view(request, pk):
    outgoing = selectors.outgoing_get_for_user(request.membership, pk)
    try:
        count = deliveries_resend_failed(membership=request.membership, outgoing=outgoing)
    except ValidationError as exc:
        for error in _errors(exc):
            messages.error(request, error)
        return redirect("outgoing_detail", pk)
    if count:
        messages.success(request, _("Đang gửi lại %(count)s lượt thất bại.") % {"count": count})
    else:
        messages.info(request, _("Không có lượt gửi thất bại nào để gửi lại."))
    return redirect("outgoing_detail", pk)


@staff_required(Role.SPECIALIST, Role.CLERK, Role.LEADER)
def outgoing_file(request, pk, file_pk):
    outgoing = selectors.outgoing_get_for_user(request.membership, pk)
    file = get_object_or_404(OutgoingFile, pk=file_pk, outgoing=outgoing)
    versions = {"draft": (file.draft, ""), "approved": (file.approved, file.approved_sha256),
                "signed": (file.signed, file.signed_sha256)}
    wanted = versions.get(request.GET.get("version", ""))
    # By default the furthest version there is: issued, else signed by the signer, else the draft.
    stored, sha256 = next(version for version in (wanted, versions["signed"], versions["approved"], versions["draft"])
                          if version and version[0])
    return file_response(stored, name=file.name, download=request.GET.get("download") == "1", sha256=sha256)
