"""The “Nơi nhận” block (Decree 30, Annex I, II.9): rendering it and reading a pasted one.

Rendering: one recipient a line, “-” first and “;” last, “Như trên” standing for the “Kính gửi”
addressees, and the archive line “Lưu: VT, <unit> (<n>b).” last.
Reading: each pasted line is matched against what the clerk mapped before (remembered per agency),
recipient groups, agencies, and units of the clerk's own agency; the rest is left to map by hand.
"""

import re
from dataclasses import dataclass

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from agencies.models import Agency, RecipientGroup, Unit
from core.text import expand, fold, nfc

from .models import NoiNhanAlias, Recipient

NHU_TREN = {"nhu tren"}
ARCHIVE_RE = re.compile(r"^lưu\s*:?\s*(?P<rest>.*)$", re.IGNORECASE)
COPIES_RE = re.compile(r"\((?P<n>\d+)\s*b(?:ản)?\)", re.IGNORECASE)
EMAIL_RE = re.compile(r"(?P<name>.*?)[\s<(]*(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)[>)]?\s*$")
PARENTHETICAL_RE = re.compile(r"\s*\((?:để\s+)?[^()]*\)\s*$", re.IGNORECASE)


def match_key(text):
    """Folded, abbreviation-expanded form used to compare a line with names."""
    return expand(PARENTHETICAL_RE.sub("", nfc(text)))


# Rendering


def _recipients(outgoing, recipients=None):
    """The document's recipients in order: `recipients` when the caller has read them already (the outgoing page)."""
    if recipients is not None:
        return recipients
    return list(outgoing.recipients.select_related("agency", "unit", "group"))


def noi_nhan_lines(outgoing, recipients=None):
    """The lines of the block, without the “Nơi nhận:” heading; pasted lines and the pasted archive
    line are printed as the clerk wrote them (“Sở Y tế (để b/c)”, “Lưu: VT, TCCB (3b).”)."""
    recipients = _recipients(outgoing, recipients)
    lines = []
    if any(r.role == Recipient.Role.KINH_GUI for r in recipients):
        lines.append("Như trên")  # the block is the document's own text: always Vietnamese
    lines += [r.printed_as or r.label for r in recipients if r.role == Recipient.Role.NOI_NHAN]
    rendered = [f"- {line};" for line in lines]
    rendered.append(f"- {archive_line(outgoing)}.")
    return rendered


def archive_line(outgoing):
    if outgoing.archive_text:
        return f"Lưu: {outgoing.archive_text}"
    return f"Lưu: VT, {outgoing.drafting_unit.abbreviation} ({outgoing.archive_copies}b)"


def archive_with_copies(archive_text, copies):
    """A pasted archive line with its one “(nb)” set to a new number of copies; one that names several
    (“VT, VP (2b), TCCB (1b)”) is the clerk's to rewrite and is kept."""
    if len(COPIES_RE.findall(archive_text)) != 1:
        return archive_text
    return COPIES_RE.sub(f"({copies}b)", archive_text)


def noi_nhan_warnings(outgoing):
    """What the drafter and the clerk must see about the block before it is printed."""
    warnings = []
    if outgoing.nhu_tren and not outgoing.recipients.filter(role=Recipient.Role.KINH_GUI).exists():
        warnings.append(_("Khối nơi nhận có dòng “Như trên” nhưng văn bản chưa có nơi nhận “Kính gửi”: "
                          "“Như trên” không chỉ tới ai và không được in cho tới khi thêm “Kính gửi”."))
    return warnings


class Destinations:
    """Which destination each recipient stands for, so that one destination gets one copy: an agency
    (named, in a group, or by its official address), a unit of the issuing agency, or another address."""

    def __init__(self, outgoing):
        self.outgoing = outgoing
        self.recipients = _recipients(outgoing)
        emails = {r.email.lower() for r in self.recipients if r.email}
        self.addresses = {}
        units = Unit.objects.annotate(email_key=Lower("official_email")).filter(agency_id=outgoing.agency_id,
                                                                               email_key__in=emails)
        for unit in units:
            self.addresses.setdefault(unit.email_key, ("unit", unit.pk))
        for agency in Agency.objects.annotate(email_key=Lower("official_email")).filter(is_active=True,
                                                                                       email_key__in=emails):
            self.addresses[agency.email_key] = ("agency", agency.pk)
        self.own = ("agency", outgoing.agency_id)
        self.members = {r.pk: [("agency", pk) for pk in r.group.members.filter(is_active=True)
                               .values_list("pk", flat=True)]
                        for r in self.recipients if r.kind == Recipient.Kind.GROUP}

    def address_key(self, email):
        email = email.lower()
        return self.addresses.get(email, ("email", email))

    def keys(self, recipient):
        if recipient.kind == Recipient.Kind.AGENCY:
            return [("agency", recipient.agency_id)]
        if recipient.kind == Recipient.Kind.UNIT:
            return [("unit", recipient.unit_id)]
        if recipient.kind == Recipient.Kind.GROUP:
            return self.members[recipient.pk]
        return [self.address_key(recipient.email)] if recipient.email else []

    def named_elsewhere(self):
        """Destinations reached through an agency, unit or group line (an address line to one is a repeat)."""
        return {key for r in self.recipients if r.kind in (Recipient.Kind.AGENCY, Recipient.Kind.UNIT,
                                                            Recipient.Kind.GROUP) for key in self.keys(r)}

    # A line is the repeat of another that reaches all its destinations: of a group rather than a member,
    # of an agency rather than its address, of the earlier line between two alike.
    RANK = {Recipient.Kind.GROUP: 0, Recipient.Kind.AGENCY: 1, Recipient.Kind.UNIT: 2}

    def notes(self):
        """{recipient pk: note} for the recipient list: the issuing agency itself, and repeats."""
        notes, keys = {}, {r.pk: set(self.keys(r)) for r in self.recipients}
        for index, recipient in enumerate(self.recipients):
            mine = keys[recipient.pk]
            if mine and mine == {self.own}:
                notes[recipient.pk] = _("không gửi (chính cơ quan ban hành)")
                continue
            for other_index, other in enumerate(self.recipients):
                if other is recipient or not mine or not mine <= keys[other.pk]:
                    continue
                rank, other_rank = self.RANK.get(recipient.kind, 3), self.RANK.get(other.kind, 3)
                if len(keys[other.pk]) > len(mine) or other_rank < rank or (other_rank == rank and other_index < index):
                    notes[recipient.pk] = _("trùng với “%(name)s”: chỉ gửi một bản") % {"name": other.label}
                    break
        return notes

    def noted(self):
        """The recipients in order, each with its `note` (or "")."""
        notes = self.notes()
        for recipient in self.recipients:
            recipient.note = notes.get(recipient.pk, "")
        return self.recipients


def noi_nhan_block(outgoing):
    return "\n".join(["Nơi nhận:", *noi_nhan_lines(outgoing)])


def kinh_gui_lines(outgoing, recipients=None):
    names = [r.label for r in _recipients(outgoing, recipients) if r.role == Recipient.Role.KINH_GUI]
    if len(names) <= 1:
        return names
    return [f"- {name};" for name in names[:-1]] + [f"- {names[-1]}."]


# Reading a pasted block


@dataclass
class Match:
    kind: str
    agency: Agency = None
    unit: Unit = None
    group: RecipientGroup = None
    name: str = ""
    email: str = ""

    @property
    def label(self):
        target = self.agency or self.unit or self.group
        return target.name if target else f"{self.name} <{self.email}>"

    def as_recipient_fields(self):
        return {"kind": self.kind, "agency": self.agency, "unit": self.unit, "group": self.group,
                "name": self.name, "email": self.email}


@dataclass
class ParsedLine:
    number: int
    text: str
    kind: str  # "recipient", "nhu_tren", "archive", "unmatched"
    match: Match = None
    copies: int = None
    archive: str = ""  # the archive line after “Lưu:”, as written


def _clean(line):
    line = nfc(line).strip()
    line = re.sub(r"^[-–—•+*\s]+", "", line)
    return line.rstrip(" ;.,").strip()


class Matcher:
    """Looks names up for one agency, with every candidate loaded once."""

    def __init__(self, agency):
        self.agency = agency
        self.aliases = {a.text: a for a in NoiNhanAlias.objects.filter(agency=agency)
                        .select_related("target_agency", "target_unit", "target_group")}
        self.groups = self._index(RecipientGroup.objects.filter(Q(owner__isnull=True) | Q(owner=agency)),
                                  lambda g: g.names)
        agencies = Agency.objects.filter(is_active=True)
        self.agencies = self._index(agencies, lambda a: [a.name])
        short = {}
        for a in agencies:
            short.setdefault(match_key(a.short_name), []).append(a)
        self.agencies.update({k: v[0] for k, v in short.items() if len(v) == 1 and k not in self.agencies})
        self.units = self._index(Unit.objects.filter(agency=agency, is_active=True), lambda u: [u.name, u.abbreviation])

    @staticmethod
    def _index(queryset, names):
        index = {}
        for obj in queryset:
            for name in names(obj):
                index.setdefault(match_key(name), obj)
        return index

    def match(self, text):
        key = match_key(text)
        alias = self.aliases.get(key)
        if alias:
            return Match(alias.kind, alias.target_agency, alias.target_unit, alias.target_group)
        if key in self.groups:
            return Match(Recipient.Kind.GROUP, group=self.groups[key])
        if key in self.agencies:
            return Match(Recipient.Kind.AGENCY, agency=self.agencies[key])
        if key in self.units:
            return Match(Recipient.Kind.UNIT, unit=self.units[key])
        found = EMAIL_RE.match(text)
        if found:
            name = found["name"].strip(" :-,") or found["email"]
            return Match(Recipient.Kind.EMAIL, name=name, email=found["email"].lower())
        return None


def parse_noi_nhan(text, agency):
    """Read a pasted “Nơi nhận:” block into lines, each matched or marked unmatched."""
    matcher = Matcher(agency)
    parsed = []
    for number, raw in enumerate(nfc(text).splitlines(), start=1):
        line = _clean(raw)
        if not line or fold(line).rstrip(":") == "noi nhan":
            continue
        if fold(line).startswith("noi nhan:"):
            line = _clean(line.split(":", 1)[1])
        archive = ARCHIVE_RE.match(line)
        if archive:
            copies = [int(found["n"]) for found in COPIES_RE.finditer(archive["rest"])]
            parsed.append(ParsedLine(number, line, "archive", copies=sum(copies) if copies else None,
                                     archive=archive["rest"].strip()))
        elif fold(line) in NHU_TREN:
            parsed.append(ParsedLine(number, line, "nhu_tren"))
        else:
            match = matcher.match(line)
            parsed.append(ParsedLine(number, line, "recipient" if match else "unmatched", match))
    return parsed


def alias_remember(agency, text, match):
    """Remember a hand-made mapping of a line for this agency's next paste."""
    NoiNhanAlias.objects.update_or_create(
        agency=agency, text=match_key(text),
        defaults={"kind": match.kind, "target_agency": match.agency, "target_unit": match.unit,
                  "target_group": match.group},
    )
