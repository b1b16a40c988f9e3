"""Writing actions on agencies, units and recipient groups, and the CSV import."""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role
from core.text import nfc

from .models import Agency, Installation, RecipientGroup, Unit

CSV_COLUMNS = [
    "record", "agency_code", "name", "short_name", "parent_code",
    "official_email", "address", "phone", "website", "uses_portal",
]
# Optional: the code of the installation serving the agency (agencies.Installation); blank for none. A file
# without the column leaves every agency's installation as it is.
INSTALLATION_COLUMN = "installation_code"
TRUE_WORDS = {"1", "true", "yes", "x", "có", "co"}
FALSE_WORDS = {"", "0", "false", "no", "không", "khong"}


def _ensure_admin(admin):
    if not (admin and admin.has_role(Role.ADMIN)):
        raise PermissionDenied(_("Chỉ quản trị của cơ quan mới được thay đổi thông tin này."))


@transaction.atomic
def agency_update_profile(*, admin, **changes):
    """An agency admin edits the contact details of their own agency (not its code or place in the tree)."""
    _ensure_admin(admin)
    agency = admin.agency
    for name in ("name", "short_name", "official_email", "address", "phone", "website"):
        if name in changes:
            setattr(agency, name, changes[name])
    agency.full_clean()
    agency.save()
    return agency


@transaction.atomic
def unit_save(*, admin, unit=None, **data):
    _ensure_admin(admin)
    unit = unit or Unit(agency=admin.agency)
    if unit.agency_id != admin.agency.pk:
        raise PermissionDenied
    for name, value in data.items():
        setattr(unit, name, value)
    unit.full_clean()
    unit.save()
    return unit


@transaction.atomic
def group_save(*, admin, group=None, name, members, aliases=""):
    """Create or change one of the admin's agency's own recipient groups."""
    _ensure_admin(admin)
    group = group or RecipientGroup(owner=admin.agency)
    if group.owner_id != admin.agency.pk:
        raise PermissionDenied
    group.name = name
    group.aliases = "\n".join(nfc(line).strip() for line in aliases.splitlines() if line.strip())
    group.full_clean()
    group.save()
    group.members.set(members)
    return group


@dataclass
class ImportReport:
    errors: list = field(default_factory=list)  # (line number, message)
    agencies_created: int = 0
    agencies_updated: int = 0
    units_created: int = 0
    units_updated: int = 0

    @property
    def ok(self):
        return not self.errors


def _messages(exc):
    if hasattr(exc, "error_dict"):
        return [f"{name}: {' '.join(m for e in errs for m in e.messages)}" for name, errs in exc.error_dict.items()]
    return exc.messages


def _decode(data):
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            _("Tệp không đọc được theo mã UTF-8 (lỗi ở byte %(pos)s). Hãy lưu tệp CSV với mã hóa UTF-8.")
            % {"pos": exc.start}
        ) from None


def agencies_import_csv(data):
    """Import agencies and units from CSV text or bytes: all rows or none.

    Rows are checked first; every bad row is reported with its line number and reason. Only when
    no row is bad is anything written, agencies before their children and units after their agency.
    Existing agencies (same code) and units (same agency and abbreviation) are updated.
    """
    report = ImportReport()
    try:
        text = _decode(data)
    except ValidationError as exc:
        report.errors.append((0, exc.messages[0]))
        return report
    reader = csv.DictReader(io.StringIO(nfc(text)))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        report.errors.append((1, _("Thiếu cột: %(cols)s.") % {"cols": ", ".join(missing)}))
        return report

    agencies, units = {}, {}
    existing = {a.code: a for a in Agency.objects.all()}
    served = {} if INSTALLATION_COLUMN in reader.fieldnames else None  # agency code: Installation or None
    installations = {i.code: i for i in Installation.objects.all()}
    for row in reader:
        line = reader.line_num
        row = {k: (v or "").strip() for k, v in row.items() if k}
        kind = row["record"].lower()
        if kind == "agency":
            _check_agency_row(row, line, agencies, report)
            if served is not None:
                _check_installation(row, line, installations, served, report)
        elif kind == "unit":
            _check_unit_row(row, line, units, report)
        else:
            report.errors.append((line, _("Cột record phải là “agency” hoặc “unit”, không phải “%(v)s”.") % {"v": row["record"]}))

    _check_references(agencies, units, existing, report)
    _check_cycles(agencies, existing, report)
    if report.errors:
        report.errors.sort()
        return report
    _write(agencies, units, existing, report, served or {})
    return report


def _check_installation(row, line, installations, served, report):
    code = row[INSTALLATION_COLUMN]
    if code and code not in installations:
        report.errors.append((line, _("Không có hệ thống liên thông mã %(code)s; hãy thêm hệ thống trước.") % {
            "code": code}))
    served[row["agency_code"]] = installations.get(code)


def _check_references(agencies, units, existing, report):
    """Every parent agency and every unit's agency is in the directory or in the file."""
    known = set(existing) | set(agencies)
    for line, _agency, parent_code in agencies.values():
        if parent_code and parent_code not in known:
            report.errors.append((line, _("Không tìm thấy cơ quan cấp trên có mã %(code)s.") % {"code": parent_code}))
    for (code, _abbr), (line, _unit) in units.items():
        if code not in known:
            report.errors.append((line, _("Đơn vị thuộc cơ quan có mã %(code)s chưa có trong danh bạ hay trong tệp.") % {"code": code}))


def _check_agency_row(row, line, agencies, report):
    code = row["agency_code"]
    uses_portal = row["uses_portal"].lower()
    if uses_portal not in TRUE_WORDS | FALSE_WORDS:
        report.errors.append((line, _("Cột uses_portal chỉ nhận 1/0 hoặc có/không.")))
    agency = Agency(
        code=code, name=row["name"], short_name=row["short_name"], official_email=row["official_email"],
        address=row["address"], phone=row["phone"], website=row["website"],
        uses_portal=uses_portal in TRUE_WORDS or uses_portal == "",
    )
    try:
        agency.full_clean(exclude=["parent"], validate_unique=False)
    except ValidationError as exc:
        report.errors.extend((line, message) for message in _messages(exc))
    if code in agencies:
        report.errors.append((line, _("Mã %(code)s lặp lại (đã có ở dòng %(other)s).") % {"code": code, "other": agencies[code][0]}))
        return
    if row["parent_code"] == code and code:
        report.errors.append((line, _("Cơ quan không thể là cấp trên của chính nó.")))
    agencies[code] = (line, agency, row["parent_code"])


def _check_unit_row(row, line, units, report):
    unit = Unit(name=row["name"], abbreviation=row["short_name"], official_email=row["official_email"])
    try:
        unit.full_clean(exclude=["agency"], validate_unique=False)
    except ValidationError as exc:
        report.errors.extend((line, message) for message in _messages(exc))
    key = (row["agency_code"], row["short_name"])
    if key in units:
        report.errors.append((line, _("Đơn vị %(abbr)s của %(code)s lặp lại (dòng %(other)s).") % {"abbr": key[1], "code": key[0], "other": units[key][0]}))
        return
    units[key] = (line, unit)


def _check_cycles(agencies, existing, report):
    parent_of = {code: (a.parent.code if a.parent_id else "") for code, a in existing.items()}
    parent_of.update({code: parent for code, (_line, _a, parent) in agencies.items()})
    for code, (line, _agency, _parent) in agencies.items():
        seen, current = {code}, parent_of.get(code)
        while current:
            if current in seen:
                report.errors.append((line, _("Quan hệ cấp trên tạo thành vòng lặp qua mã %(code)s.") % {"code": current}))
                break
            seen.add(current)
            current = parent_of.get(current)


@transaction.atomic
def _write(agencies, units, existing, report, served):
    saved = dict(existing)
    pending = dict(agencies)
    while pending:  # parents first: write whatever has its parent already saved
        ready = [c for c, (_l, _a, parent) in pending.items() if not parent or parent in saved and parent not in pending]
        for code in ready:
            _line, incoming, parent_code = pending.pop(code)
            agency = saved.get(code)
            if agency is None:
                agency, report.agencies_created = incoming, report.agencies_created + 1
            else:
                report.agencies_updated += 1
                for name in ("name", "short_name", "official_email", "address", "phone", "website", "uses_portal"):
                    setattr(agency, name, getattr(incoming, name))
            agency.parent = saved[parent_code] if parent_code else None
            if code in served:
                agency.installation = served[code]
            agency.save()
            saved[code] = agency
    for (code, abbr), (_line, incoming) in units.items():
        _unit, created = Unit.objects.update_or_create(
            agency=saved[code], abbreviation=abbr,
            defaults={"name": incoming.name, "official_email": incoming.official_email},
        )
        if created:
            report.units_created += 1
        else:
            report.units_updated += 1
