"""The text of an incoming document's files (ocr app) on its page: each file's OCR state for the people who see the
document, and for its clerk the text of every page with a form to correct it.

ocr sits below documents (tests/test_layering.py): documents tells ocr who may correct a text
(`ocr.services.CORRECT_PERMISSION`, through documents' selectors) and shows the panel (extensions.PANELS).
"""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.access import staff_required
from accounts.models import Membership, Role
from core.http import file_response
from ocr import services as ocr_services
from ocr.models import FileText

from . import extensions, selectors
from .models import IncomingFile


def _texts_of(files):
    content_type = ContentType.objects.get_for_model(IncomingFile)
    texts = FileText.objects.filter(content_type=content_type, field="file", object_id__in=[f.pk for f in files])
    return {text.object_id: text for text in texts}


def _file_text(file):
    return _texts_of([file]).get(file.pk)


def incoming_panel(request, incoming):
    """A card on the incoming page: every file's text state; a clerk follows a link to read and correct it."""
    files = list(incoming.files.order_by("pk"))
    if not files:
        return None
    texts = _texts_of(files)
    rows = [(file, texts.get(file.pk)) for file in files]
    membership = getattr(request, "membership", None)
    may_correct = bool(membership and membership.has_role(Role.CLERK))
    return "documents/_ocr_panel.html", {"i": incoming, "rows": rows, "may_correct": may_correct}


def clerk_may_correct(user, file_text):
    """ocr's permission callback: the clerk of the agency whose incoming document holds the file."""
    if file_text.content_type.model_class() is not IncomingFile:
        return False
    file = IncomingFile.objects.filter(pk=file_text.object_id).select_related("incoming").first()
    if file is None:
        return False
    memberships = Membership.objects.active().filter(user=user, agency_id=file.incoming.agency_id)
    return any(m.has_role(Role.CLERK) and selectors.incoming_visible_to(m).filter(pk=file.incoming_id).exists()
               for m in memberships)


def _page_number(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@staff_required(Role.CLERK)
def incoming_file_text(request, pk, file_pk):
    """The recognised text of one file, page by page, each with a form to correct it (POST: page, text)."""
    incoming = selectors.incoming_get_for_user(request.membership, pk)
    file = get_object_or_404(incoming.files, pk=file_pk)
    file_text = _file_text(file)
    if request.method == "POST" and file_text is not None:
        page = _page_number(request.POST.get("page"))
        try:
            changed = ocr_services.page_correct(user=request.user, file_text=file_text, page=page,
                                                text=request.POST.get("text", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied:
            raise
        else:
            if changed is not None:
                messages.success(request, _("Đã lưu văn bản sửa của trang %(page)s.") % {"page": page})
            return redirect("incoming_file_text", pk, file_pk)
        file_text.refresh_from_db()
    corrections = {}
    if file_text is not None:
        for correction in file_text.corrections.select_related("corrected_by"):
            corrections.setdefault(correction.page, correction)  # newest first within a page
    pages = [(number, text, corrections.get(number))
             for number, text in enumerate(file_text.pages if file_text else [], 1)]
    return render(request, "documents/incoming_file_text.html",
                  {"i": incoming, "file": file, "file_text": file_text, "pages": pages})


@staff_required(Role.CLERK)
def incoming_file_ocr_pdf(request, pk, file_pk):
    """The searchable PDF/A copy OCR made of a scan (the original stays the record)."""
    incoming = selectors.incoming_get_for_user(request.membership, pk)
    file = get_object_or_404(incoming.files, pk=file_pk)
    file_text = _file_text(file)
    if file_text is None or not file_text.ocr_pdf:
        raise Http404
    name = file.name.rsplit(".", 1)[0] + "-ocr.pdf"
    return file_response(file_text.ocr_pdf, name=name, content_type="application/pdf", download=True)


def register():
    if incoming_panel not in extensions.PANELS["incoming_detail"]:
        extensions.PANELS["incoming_detail"].append(incoming_panel)
    if clerk_may_correct not in ocr_services.CORRECT_PERMISSION:
        ocr_services.CORRECT_PERMISSION.append(clerk_may_correct)
