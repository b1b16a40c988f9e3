"""The signatures of an outgoing document on its pages: where the signer signs, what is signed, what is missing."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.access import staff_required
from accounts.models import Role
from core import files as core_files
from pki.layout import place_boxes
from pki.models import KeyStore, RemoteSigningRequest, SealImage
from pki.selectors import personal_certificate_active

from .. import previews, selectors, workflow
from ..forms import PlaceForm
from ..models import Outgoing, OutgoingFile
from ..services import outgoing as services

BOX_LABELS = {
    "signer": gettext_lazy("Chữ ký của người ký"), "seal": gettext_lazy("Con dấu (chữ ký số của cơ quan)"),
    "qr": gettext_lazy("Mã QR kiểm tra"), "number": gettext_lazy("Số, ký hiệu"),
    "date": gettext_lazy("Địa danh, ngày tháng năm"), "placeholder": gettext_lazy("Chữ giữ chỗ chữ ký"),
}


def remote_may_read(user, remote):
    """Who may watch a remote request of the approval (pki.remote's reader hook): whoever may see the draft."""
    return any(selectors.outgoing_visible_to(membership).filter(pk=remote.object_id).exists()
               for membership in user.memberships.active())


def pending_remote(outgoing):
    return RemoteSigningRequest.objects.filter(
        purpose=services.REMOTE_PURPOSE, object_id=outgoing.pk, status=RemoteSigningRequest.Status.PENDING,
    ).first()


def signing_context(membership, outgoing):
    """What the document's page shows of its signatures, for the person looking at it."""
    signing_as = None
    if workflow.allowed(membership, outgoing, "approve"):
        signing_as = {"certificate": personal_certificate_active(membership.user)}
        signing_as["remote"] = getattr(signing_as["certificate"], "store", "") == KeyStore.REMOTE
    blockers = services.issue_blockers(outgoing) if outgoing.status == Outgoing.Status.APPROVED else []
    return {
        "signing_as": signing_as,
        "remote_request": pending_remote(outgoing) if outgoing.status == Outgoing.Status.SUBMITTED else None,
        "issue_blockers": blockers,
        "place_editable": workflow.can_edit(membership, outgoing),
        "signer_block": services.signer_block(outgoing, printed=False),
    }


def _main_draft(outgoing):
    main = outgoing.files.filter(kind=OutgoingFile.Kind.MAIN).first()
    if main is None or not main.draft:
        raise Http404
    with main.draft.open("rb") as handle:
        data = handle.read()
    return data, core_files.sha256(data)


def _overlays(page, boxes):
    return [
        {"kind": kind, "label": BOX_LABELS.get(kind, kind), "box": page.percent_box(box["rect"])}
        for kind, box in boxes.items() if box["page"] == page.index
    ]


@staff_required(Role.SPECIALIST, Role.CLERK, Role.LEADER)
def outgoing_place(request, pk):
    """The pages of the draft with the signer's place, the seal, the QR code, the number and the date drawn on
    them; the drafter clicks where the signer signs (or picks a page and a position with the keyboard)."""
    membership = request.membership
    outgoing = selectors.outgoing_get_for_user(membership, pk)
    data, sha256 = _main_draft(outgoing)
    try:
        pages = previews.pages(data, sha256)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("outgoing_detail", pk)
    editable = workflow.can_edit(membership, outgoing)
    form = None
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_("Văn bản ở trạng thái này không sửa được, hoặc bạn không có quyền sửa."))
        form = PlaceForm(request.POST, pages=pages)
        if form.is_valid():
            place = form.place()
            services.outgoing_signer_place(membership=membership, outgoing=outgoing, place=place)
            messages.success(request, _("Đã lưu vị trí chữ ký của người ký."))
            return redirect(f"{reverse('outgoing_place', args=[pk])}?page={place['page'] if place else ''}")
    seal = SealImage.objects.filter(agency=outgoing.agency_id).first()
    boxes = place_boxes(data, outgoing.signature_places or {},
                        **({"seal_diameter_mm": seal.diameter_mm} if seal else {}))
    page = pages[_page_index(request, pages, boxes["signer"]["page"])]
    return render(request, "documents/outgoing_place.html", {
        "o": outgoing, "pages": pages, "page": page, "editable": editable,
        "form": form or PlaceForm(pages=pages, initial={"page": page.index}),
        "overlays": _overlays(page, boxes), "signer_page": boxes["signer"]["page"],
        "chosen": bool((outgoing.signature_places or {}).get("signer")), "width": previews.PREVIEW_WIDTH,
    })


def _page_index(request, pages, default):
    wanted = request.GET.get("page", "")
    if wanted.isdigit() and int(wanted) < len(pages):
        return int(wanted)
    return default


@staff_required(Role.SPECIALIST, Role.CLERK, Role.LEADER)
def outgoing_page_image(request, pk, index):
    """A page of the draft's main file as PNG, for whoever may see the draft."""
    outgoing = selectors.outgoing_get_for_user(request.membership, pk)
    data, sha256 = _main_draft(outgoing)
    try:
        if index >= len(previews.pages(data, sha256)):
            raise Http404
        png = previews.page_image(data, sha256, index)
    except ValidationError as exc:
        raise Http404 from exc
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@staff_required(Role.LEADER)
def outgoing_remote_cancel(request, pk):
    """The signer stops waiting for their phone: the draft can be signed again."""
    outgoing = selectors.outgoing_get_for_user(request.membership, pk)
    try:
        services.outgoing_remote_cancel(membership=request.membership, outgoing=outgoing)
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    else:
        messages.info(request, _("Đã hủy yêu cầu ký trên điện thoại. Văn bản vẫn chờ bạn ký duyệt."))
    return redirect("outgoing_detail", pk)


@staff_required(Role.SPECIALIST, Role.CLERK, Role.LEADER)
def outgoing_remote_state(request, pk):
    """The live state of the signer's phone confirmation (polled by the page); the page reloads when it ends."""
    outgoing = selectors.outgoing_get_for_user(request.membership, pk)
    remote = services.outgoing_remote_poll(outgoing)
    response = render(request, "documents/_remote_state.html", {"remote_request": remote, "o": outgoing})
    if remote is None or remote.status != RemoteSigningRequest.Status.PENDING:
        response["HX-Refresh"] = "true"
    return response
