"""Invitations: a meeting's details on a Giấy mời draft, its invitees from the document's recipients, and their
resync when the document is issued. See docs/meetings.md."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from documents.models import DocumentType, Outgoing, Recipient

from .. import selectors
from ..models import Invitee, Meeting
from .schedules import meeting_schedules_sync

K = Invitee.Kind


def invitee_address(invitee):
    """Where e-mail about the meeting goes for this invitee, or "" when nowhere."""
    if invitee.kind == K.EMAIL:
        return invitee.email
    if invitee.kind == K.AGENCY:
        return invitee.agency.official_email
    if invitee.kind == K.UNIT:
        return invitee.unit.official_email
    return invitee.membership.official_email or invitee.membership.user.email


def person_label(membership):
    return f"{membership.user.full_name} – {membership.position}" if membership.position else \
        membership.user.full_name


def _check_details(*, agency, starts_at, ends_at, confirm_by, chair, chair_name, place, online_link, people):
    errors = {}
    if ends_at < starts_at:
        errors["ends_at"] = _("Giờ kết thúc phải sau giờ bắt đầu.")
    if confirm_by and confirm_by > starts_at:
        errors["confirm_by"] = _("Hạn xác nhận tham dự phải trước giờ họp.")
    if chair is not None and (chair.agency_id != agency.pk or not chair.is_leader):
        errors["chair"] = _("Người chủ trì phải là lãnh đạo của cơ quan.")
    if chair is None and not chair_name.strip():
        errors["chair_name"] = _("Chọn lãnh đạo chủ trì hoặc ghi tên người chủ trì.")
    if not place.strip() and not online_link:
        errors["place"] = _("Ghi địa điểm họp hoặc đường dẫn họp trực tuyến.")
    if any(person.agency_id != agency.pk for person in people):
        errors["people"] = _("Chỉ mời đích danh cán bộ của cơ quan mình.")
    if errors:
        raise ValidationError(errors)


def meeting_details_save(*, membership, outgoing, title, starts_at, ends_at, chair=None, chair_name="", content="",
                         place="", online_link="", confirm_by=None, people=(), reminder_minutes=None):
    """Write the meeting details of a Giấy mời that is still a draft (who may edit the draft may write them);
    the invitees follow the draft's recipients plus the named `people` of the own agency."""
    with transaction.atomic():
        outgoing = Outgoing.objects.select_for_update().select_related("agency").get(pk=outgoing.pk)
        if outgoing.doc_type != DocumentType.GIAY_MOI:
            raise ValidationError(_("Chỉ giấy mời mới có thông tin cuộc họp."))
        if not selectors.meeting_details_editable(membership, outgoing):
            raise PermissionDenied(_("Chỉ sửa được thông tin cuộc họp khi giấy mời còn là dự thảo, "
                                     "bởi người soạn hoặc văn thư của cơ quan."))
        people = list(people)
        _check_details(agency=outgoing.agency, starts_at=starts_at, ends_at=ends_at, confirm_by=confirm_by,
                       chair=chair, chair_name=chair_name, place=place, online_link=online_link, people=people)
        meeting = Meeting.objects.filter(invitation=outgoing).first() or Meeting(
            invitation=outgoing, agency=outgoing.agency, created_by=membership.user)
        meeting.organising_unit = outgoing.drafting_unit
        meeting.title, meeting.content = title, content
        meeting.starts_at, meeting.ends_at, meeting.confirm_by = starts_at, ends_at, confirm_by
        meeting.place, meeting.online_link = place, online_link
        meeting.chair = chair
        meeting.chair_name = chair_name.strip() or person_label(chair)
        if reminder_minutes is not None:
            meeting.reminder_minutes = sorted({int(minutes) for minutes in reminder_minutes}, reverse=True)
        meeting.save()
        _people_set(meeting, people)
        invitees_sync(meeting)
        return meeting


def _people_set(meeting, people):
    wanted = {person.pk: person for person in people}
    meeting.invitees.filter(kind=K.PERSON, answer=Invitee.Answer.NONE).exclude(membership__in=wanted).delete()
    have = set(meeting.invitees.filter(kind=K.PERSON).values_list("membership_id", flat=True))
    Invitee.objects.bulk_create([
        Invitee(meeting=meeting, kind=K.PERSON, membership=person, name=person_label(person))
        for pk, person in wanted.items() if pk not in have
    ])


class _Wanted:
    """The invitees the invitation's recipients call for, by key: agencies (groups expanded, the own agency left
    out), units of the own agency, and addresses that are not an invited agency's or unit's official address."""

    def __init__(self, outgoing):
        self.own, self.wanted, self.addresses = outgoing.agency_id, {}, {}
        for recipient in outgoing.recipients.select_related("agency", "unit", "group"):
            self.add(recipient)
        official = {(fields.get("agency") or fields.get("unit")).official_email.lower()
                    for fields in self.wanted.values()}
        for email, name in self.addresses.items():
            if email not in official:
                self.wanted[("email", email)] = {"kind": K.EMAIL, "email": email, "name": name}

    def add_agency(self, agency):
        if agency.pk != self.own and agency.is_active:
            self.wanted.setdefault(("agency", agency.pk), {"kind": K.AGENCY, "agency": agency, "name": agency.name})

    def add(self, recipient):
        if recipient.kind == Recipient.Kind.AGENCY:
            self.add_agency(recipient.agency)
        elif recipient.kind == Recipient.Kind.UNIT:
            self.wanted.setdefault(("unit", recipient.unit_id),
                                   {"kind": K.UNIT, "unit": recipient.unit, "name": recipient.unit.name})
        elif recipient.kind == Recipient.Kind.GROUP:
            for agency in recipient.group.members.filter(is_active=True).order_by("name"):
                self.add_agency(agency)
        elif recipient.kind in (Recipient.Kind.EMAIL, Recipient.Kind.CITIZEN):
            self.addresses.setdefault(recipient.email.lower(), recipient.name or recipient.email.lower())


def _key(invitee):
    if invitee.kind == K.AGENCY:
        return ("agency", invitee.agency_id)
    if invitee.kind == K.UNIT:
        return ("unit", invitee.unit_id)
    return ("email", invitee.email.lower())


def invitees_sync(meeting):
    """Bring the meeting's agency, unit and address invitees in line with its invitation's recipients. An invitee
    that already answered stays even when its recipient was taken off; named persons are left as they are."""
    wanted = _Wanted(meeting.invitation).wanted
    have = {}
    for invitee in meeting.invitees.exclude(kind=K.PERSON):
        key = _key(invitee)
        if key in wanted:
            have[key] = invitee
        elif invitee.answer == Invitee.Answer.NONE:
            invitee.delete()
    Invitee.objects.bulk_create([Invitee(meeting=meeting, **fields)
                                 for key, fields in wanted.items() if key not in have])


def _delivery_key(delivery, own_agency_id):
    if delivery.unit_id:
        return ("unit", delivery.unit_id)
    if delivery.agency_id and delivery.agency_id != own_agency_id:
        return ("agency", delivery.agency_id)
    if delivery.email:
        return ("email", delivery.email.lower())
    return None


def meeting_issued(outgoing):
    """documents.extensions.ISSUED: the Giấy mời was just issued (inside its transaction, deliveries created).
    The invitees are synced once more with the recipients as issued, each linked to the delivery that carries the
    invitation to it, and the chair's schedule gets the meeting. A Giấy mời without details issues as before."""
    meeting = Meeting.objects.filter(invitation=outgoing).first()
    if meeting is None:
        return
    invitees_sync(meeting)
    by_key = {_key(invitee): invitee for invitee in meeting.invitees.exclude(kind=K.PERSON)}
    for delivery in outgoing.deliveries.all():
        invitee = by_key.get(_delivery_key(delivery, outgoing.agency_id))
        if invitee is not None and invitee.delivery_id is None:
            invitee.delivery = delivery
            invitee.save(update_fields=["delivery"])
    meeting_schedules_sync(meeting, by=outgoing.issued_by)
