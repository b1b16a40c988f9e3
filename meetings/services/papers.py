"""Meeting papers (tài liệu họp): the organising side attaches them before and during the meeting, each with
versions; readers always get the newest version, every version is kept for the organiser. What a paper is comes
from its bytes (core.files): PDFs, images and office documents are taken, anything with active content (PDF
script, office macros) or of an unknown kind is refused. See docs/meetings.md."""

import io
import zipfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from core import files as core_files

from ..models import Meeting, Paper, PaperOpening, PaperVersion

K = core_files.Kind
ACCEPTED = frozenset({K.PDF, K.OFFICE, K.OLE} | core_files.IMAGES)
# An OLE file (.doc/.xls/.ppt) with a VBA project carries these stream names (UTF-16 in its directory).
_OLE_MACROS = ("_VBA_PROJECT".encode("utf-16-le"), "Macros".encode("utf-16-le"))


def papers_may_manage(membership, meeting):
    """Staff of the organising unit, the invitation's drafter and the organiser agency's clerks."""
    if membership is None or membership.agency_id != meeting.agency_id:
        return False
    return bool(membership.is_clerk or meeting.invitation.created_by_id == membership.user_id
                or (meeting.organising_unit_id and membership.unit_id == meeting.organising_unit_id))


def _office_has_macros(kind, data):
    if kind == K.OLE:
        return any(marker in data for marker in _OLE_MACROS)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [name.lower() for name in archive.namelist()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return True
    return any(name.endswith(("vbaproject.bin", "vbadata.xml")) or "/activex/" in name
               or name.startswith("basic/") for name in names)


def paper_file_check(name, data):
    """The facts of an acceptable paper; anything else is refused with a Vietnamese message naming the file."""
    core_files.check_size(name, len(data))
    shown = core_files.display_name(name)
    if not data:
        raise ValidationError(_("Tệp “%(name)s” rỗng.") % {"name": shown}, code="empty")
    facts = core_files.inspect(data, name)
    if facts.kind not in ACCEPTED:
        raise ValidationError(
            _("Tệp “%(name)s” không phải PDF, ảnh hay tài liệu văn phòng (Word, Excel, PowerPoint, "
              "OpenDocument) nên không nhận làm tài liệu họp.") % {"name": shown}, code="kind")
    if facts.problem:
        raise ValidationError(facts.problem, code=facts.problem_code)
    if facts.active:
        raise ValidationError(
            _("Tệp “%(name)s” có nội dung chủ động (%(findings)s) nên không nhận làm tài liệu họp; hãy in lại "
              "ra PDF rồi tải lên.") % {"name": shown, "findings": "; ".join(facts.active)}, code="active_content")
    if facts.kind in (K.OFFICE, K.OLE) and _office_has_macros(facts.kind, data):
        raise ValidationError(
            _("Tệp “%(name)s” có macro hoặc điều khiển chạy được nên không nhận làm tài liệu họp; hãy lưu lại "
              "không có macro (.docx, .xlsx, .pptx) hoặc in ra PDF rồi tải lên.") % {"name": shown},
            code="active_content")
    return facts


def _ensure_may_manage(membership, meeting):
    if not papers_may_manage(membership, meeting):
        raise PermissionDenied(_("Chỉ đơn vị tổ chức, người soạn giấy mời và văn thư của cơ quan tổ chức mới "
                                 "được đưa tài liệu họp lên."))
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("Cuộc họp đã hủy, không đưa thêm tài liệu."))


def _version_store(*, paper, number, upload, note, user):
    data = core_files.read_upload(upload)
    facts = paper_file_check(upload.name, data)
    version = PaperVersion(paper=paper, number=number, name=core_files.display_name(upload.name), size=len(data),
                           sha256=core_files.sha256(data), content_type=facts.content_type, note=note,
                           uploaded_by=user)
    with core_files.removed_on_error() as written:
        version.file.save(version.name, upload, save=False)
        written.append(version.file)
        version.save()
    return version


@transaction.atomic
def paper_add(*, membership, meeting, title, file, note="", paper_copies=False):
    """A new paper with its first version."""
    meeting = Meeting.objects.select_for_update().select_related("invitation").get(pk=meeting.pk)
    _ensure_may_manage(membership, meeting)
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Nhập tên tài liệu.")})
    position = (meeting.papers.aggregate(last=Max("position"))["last"] or 0) + 1
    paper = Paper.objects.create(meeting=meeting, title=title, position=position, created_by=membership.user,
                                 paper_copies=paper_copies)
    _version_store(paper=paper, number=1, upload=file, note=note, user=membership.user)
    return paper


@transaction.atomic
def paper_version_add(*, membership, paper, file, note=""):
    """A new version of `paper`: readers get it from now on; the earlier ones stay for the organiser."""
    paper = Paper.objects.select_for_update().select_related("meeting__invitation").get(pk=paper.pk)
    _ensure_may_manage(membership, paper.meeting)
    number = (paper.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    return _version_store(paper=paper, number=number, upload=file, note=note, user=membership.user)


def paper_opening_record(*, version, user=None, invitee=None):
    return PaperOpening.objects.create(version=version, user=user, invitee=invitee)
