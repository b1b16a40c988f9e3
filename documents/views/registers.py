import uuid

from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.access import staff_required
from core import exports
from core.paging import bounded_count, paginate
from core.replica import heavy_reads

from .. import register_exports, selectors
from ..models import Register
from ..navigation import PAGE_ROLES

# A PDF of more rows than this is made by a worker while the page shows its progress; fewer, in the request.
PDF_INLINE_ROWS = 500  # about 3 s of layout (reportlab's paragraphs, ~5 ms a row)


def _year(request):
    try:
        return int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        return timezone.localdate().year


def _years():
    current = timezone.localdate().year
    return list(range(current, current - 6, -1))


def _export(request, kind, year, export, documents):
    if export == "pdf":
        total, more = bounded_count(documents, PDF_INLINE_ROWS)
        if more:
            return _pdf_job_start(request, kind, year)
    file, name, content_type = register_exports.register_export_file(membership=request.membership, kind=kind, year=year,
                                                    filters=request.GET, export=export)
    return register_exports.download(file, name, content_type)


def _register_page(request, *, kind):
    agency = request.membership.agency
    year = _year(request)
    # The document pages' own rule: a register lists (and exports) only what this person may open.
    filterset = selectors.register_filterset(membership=request.membership, kind=kind, year=year, filters=request.GET)
    export = request.GET.get("export")
    if export in ("xlsx", "pdf"):
        return _export(request, kind, year, export, filterset.qs)
    table_class = register_exports.KINDS[kind][0]
    table = paginate(table_class(filterset.qs), request, per_page=50, newest=f"-{table_class.number_field}",
                     indexed={table_class.number_field})
    return render(request, "documents/register.html", {
        "table": table, "filter": filterset, "year": year, "years": _years(), "kind": kind,
        "title": f"{Register.Kind(kind).label} – {agency.name}",
        "secret_switch": kind in (Register.Kind.OUTGOING, Register.Kind.OUTGOING_SECRET),
    })


@staff_required(*PAGE_ROLES["outgoing_register"])
@heavy_reads
def outgoing_register(request):
    """Sổ đăng ký văn bản đi for a chosen year; secret documents have their own register."""
    kind = Register.Kind.OUTGOING_SECRET if request.GET.get("register") == "secret" else Register.Kind.OUTGOING
    return _register_page(request, kind=kind)


@staff_required(*PAGE_ROLES["incoming_register_book"])
@heavy_reads
def incoming_register(request):
    """Sổ đăng ký văn bản đến for a chosen year, paper and electronic in one series."""
    return _register_page(request, kind=Register.Kind.INCOMING)


def _pdf_job_start(request, kind, year):
    from ..tasks import register_pdf_make

    token = uuid.uuid4().hex
    filters = {key: value for key, value in request.GET.items() if key not in ("export", "page")}
    total, _more = bounded_count(selectors.register_filterset(
        membership=request.membership, kind=kind, year=year, filters=filters).qs, 10**7)
    register_exports.pdf_job_save(token, {"membership": request.membership.pk, "done": 0, "total": total, "file": "", "name": "",
                         "failed": False})
    register_pdf_make.delay(token, request.membership.pk, kind, year, filters)
    return redirect("register_pdf_job", token)


def _own_job(request, token):
    job = register_exports.pdf_job(token)
    if job is None or job["membership"] != request.membership.pk:
        raise Http404
    return job


@staff_required(*PAGE_ROLES["outgoing_register"], *PAGE_ROLES["incoming_register_book"])
def register_pdf_job(request, token):
    """The progress of a register's PDF being made by a worker; the fragment is polled while it is not done."""
    job = _own_job(request, token)
    job["percent"] = round(100 * job["done"] / job["total"]) if job["total"] else 100
    template = "documents/_register_pdf_progress.html" if request.headers.get("HX-Request") \
        else "documents/register_pdf_job.html"
    return render(request, template, {"job": job, "token": token})


@staff_required(*PAGE_ROLES["outgoing_register"], *PAGE_ROLES["incoming_register_book"])
def register_pdf_file(request, token):
    job = _own_job(request, token)
    if not job["file"]:
        raise Http404
    return register_exports.download(default_storage.open(job["file"], "rb"), job["name"], exports.PDF)
