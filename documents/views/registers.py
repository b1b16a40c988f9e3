from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import staff_required
from core import exports

from .. import registers, selectors
from ..models import Register
from ..navigation import PAGE_ROLES


def _year(request):
    try:
        return int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        return timezone.localdate().year


def _years():
    current = timezone.localdate().year
    return list(range(current, current - 6, -1))


def _register_page(request, *, kind, table_class, columns, widths, row, slug):
    agency = request.membership.agency
    year = _year(request)
    # The document pages' own rule: a register lists (and exports) only what this person may open.
    filterset = selectors.register_filterset(membership=request.membership, kind=kind, year=year, filters=request.GET)
    documents = filterset.qs
    title = f"{Register.Kind(kind).label} – {agency.name}"
    export = request.GET.get("export")
    if export in ("xlsx", "pdf"):
        rows = [row(document) for document in documents.order_by(table_class.number_field)]
        subtitle = _("Năm %(year)s") % {"year": year}
        if export == "xlsx":
            content = exports.xlsx_bytes(str(Register.Kind(kind).label), columns, rows,
                                         subtitle=f"{agency.name} – {subtitle}")
            return exports.download(content, f"{slug}-{year}.xlsx", exports.XLSX)
        return exports.download(exports.pdf_bytes(title, columns, rows, subtitle, widths), f"{slug}-{year}.pdf",
                                exports.PDF)
    table = table_class(documents, request=request)
    table.paginate(page=request.GET.get("page", 1), per_page=50)
    return render(request, "documents/register.html", {
        "table": table, "filter": filterset, "year": year, "years": _years(), "kind": kind, "title": title,
        "secret_switch": kind in (Register.Kind.OUTGOING, Register.Kind.OUTGOING_SECRET),
    })


@staff_required(*PAGE_ROLES["outgoing_register"])
def outgoing_register(request):
    """Sổ đăng ký văn bản đi for a chosen year; secret documents have their own register."""
    kind = Register.Kind.OUTGOING_SECRET if request.GET.get("register") == "secret" else Register.Kind.OUTGOING
    return _register_page(
        request, kind=kind,
        table_class=registers.OutgoingRegisterTable,
        columns=registers.OUTGOING_COLUMNS, widths=registers.OUTGOING_WIDTHS, row=registers.outgoing_register_row,
        slug="so-van-ban-di",
    )


@staff_required(*PAGE_ROLES["incoming_register_book"])
def incoming_register(request):
    """Sổ đăng ký văn bản đến for a chosen year, paper and electronic in one series."""
    return _register_page(
        request, kind=Register.Kind.INCOMING,
        table_class=registers.IncomingRegisterTable,
        columns=registers.INCOMING_COLUMNS, widths=registers.INCOMING_WIDTHS, row=registers.incoming_register_row,
        slug="so-van-ban-den",
    )
