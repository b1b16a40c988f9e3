"""Writing the index: what each kind of item contributes to its Entry, and who may see it (the owning app's
selector, never a rule of search's own). `entry_update(obj)` is called by the signals of search/apps.py and by
`manage.py search_reindex`."""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from . import text
from .models import Entry


@dataclass(frozen=True)
class Source:
    kind: str
    model: str  # app_label.ModelName
    facts: Callable  # obj -> dict of Entry fields, or None when the item is not to be searched
    visible: Callable  # membership -> queryset of the items this person may open
    url_name: str

    def model_class(self):
        try:
            return apps.get_model(self.model)
        except LookupError:
            return None


def _day(moment):
    if moment is None:
        return None
    return timezone.localdate(moment) if hasattr(moment, "tzinfo") and moment.tzinfo else moment


def _files_text(file_model, owner_field, owner):
    """The text of every file of `owner` that ocr extracted (its FileText rows, any field), in file order."""
    FileText = apps.get_model("ocr", "FileText")
    model = apps.get_model(file_model)
    file_ids = list(model.objects.filter(**{owner_field: owner}).order_by("pk").values_list("pk", flat=True))
    if not file_ids:
        return ""
    content_type = ContentType.objects.get_for_model(model)
    texts = (FileText.objects.filter(content_type=content_type, object_id__in=file_ids).exclude(text="")
             .order_by("object_id", "field").values_list("text", flat=True))
    return "\n".join(texts)


def _own_text(obj, field="scan"):
    FileText = apps.get_model("ocr", "FileText")
    content_type = ContentType.objects.get_for_model(type(obj))
    return "\n".join(FileText.objects.filter(content_type=content_type, object_id=obj.pk).exclude(text="")
                     .order_by("field").values_list("text", flat=True))


def _join(*parts):
    """The non-empty parts, each once, in order."""
    return " · ".join(dict.fromkeys(str(part) for part in parts if part))


def _outgoing_facts(document):
    moment = document.issued_at or document.created_at
    signer = document.signer.user.full_name if document.signer_id else ""
    return {
        "agency_id": document.agency_id, "doc_type": document.doc_type, "status": document.status,
        "year": document.year or (moment.year if moment else None), "date": _day(moment),
        "secrecy": document.secrecy, "issuer": document.agency.name, "notation": document.notation,
        "title": document.summary,
        "summary": _join(document.notation, document.summary, document.agency.name,
                         document.drafting_unit.name if document.drafting_unit_id else "", signer,
                         document.created_by.full_name),
        "body": _files_text("documents.OutgoingFile", "outgoing", document),
    }


def _incoming_facts(document):
    handlers = []
    for assignment in document.assignments.filter(is_current=True).select_related("member__user", "unit"):
        handlers.append(assignment.member.user.full_name if assignment.member_id else "")
        handlers.append(assignment.unit.name if assignment.unit_id else "")
    issuer = document.sender_agency.name if document.sender_agency_id else document.sender_name
    day = document.doc_date or _day(document.arrived_at)
    return {
        "agency_id": document.agency_id, "doc_type": document.doc_type, "status": document.status,
        "year": document.year or (day.year if day else None), "date": day, "secrecy": document.secrecy,
        "issuer": issuer, "notation": document.notation, "title": document.summary,
        "summary": _join(document.notation, document.summary, issuer, document.sender_name, document.signer_name,
                         *handlers),
        "body": _files_text("documents.IncomingFile", "incoming", document),
    }


def _inbound_facts(message):
    day = _day(message.received_at)
    sender = message.sender_name or message.sender_email
    return {
        "agency_id": message.agency_id, "status": message.status, "year": day.year if day else None, "date": day,
        "issuer": sender, "title": message.subject,
        "summary": _join(message.subject, message.sender_name, message.sender_email),
        "body": _join(message.body_text, _files_text("intake.InboundAttachment", "message", message)),
    }


def _meeting_facts(meeting):
    invitation = meeting.invitation
    day = _day(meeting.starts_at)
    return {
        "agency_id": meeting.agency_id, "doc_type": invitation.doc_type, "status": meeting.status,
        "year": day.year, "date": day, "secrecy": invitation.secrecy, "issuer": meeting.agency.name,
        "notation": invitation.notation, "title": meeting.title,
        "summary": _join(invitation.notation, meeting.title, meeting.place, meeting.chair_name, invitation.summary),
        "body": meeting.content,
    }


def _schedule_facts(schedule):
    """Published schedules only, with the text of their last publication: the draft is its keepers' alone."""
    version = schedule.versions.order_by("-number").first()
    if version is None:
        return None
    rows = [" ".join(str(value) for value in row.values() if isinstance(value, str)) for row in version.snapshot]
    return {
        "agency_id": schedule.agency_id, "status": schedule.status, "year": schedule.week_start.year,
        "date": schedule.week_start, "issuer": schedule.unit.name if schedule.unit_id else schedule.agency.name,
        "title": str(schedule), "summary": _join(str(schedule), schedule.agency.name), "body": "\n".join(rows),
    }


def _archived_facts(document):
    notation = document.full_notation
    return {
        "agency_id": document.agency_id, "doc_type": document.doc_type, "status": "",
        "year": document.doc_date.year if document.doc_date else None, "date": document.doc_date,
        "issuer": document.issuer, "notation": notation, "title": document.summary,
        "summary": _join(notation, document.summary, document.issuer, document.box, document.file_ref),
        "body": _own_text(document),
    }


def _outgoing_visible(membership):
    from documents.selectors import outgoing_visible_to
    return outgoing_visible_to(membership)


def _incoming_visible(membership):
    from documents.selectors import incoming_visible_to
    return incoming_visible_to(membership)


def _inbound_visible(membership):
    from intake.selectors import inbound_filterset
    try:
        messages = inbound_filterset(membership=membership).queryset.all()
    except Http404:
        return apps.get_model("intake", "InboundMessage").objects.none()
    # The same rows without the list's badges (counts of attachments per message): only `pk` is read here.
    messages.query.annotations = {}
    messages.query.group_by = None
    return messages


def _meeting_visible(membership):
    from meetings.selectors import meetings_visible_to
    return meetings_visible_to(membership)


def _schedule_visible(membership):
    # schedules.selectors.schedule_get_for_user: any schedule of the person's own agency; only the published
    # text is indexed (entries_visible gives the agency's staff the last publication, internal rows included).
    Schedule = apps.get_model("schedules", "Schedule")
    return Schedule.objects.filter(agency_id=membership.agency_id) if membership else Schedule.objects.none()


def _archived_visible(membership):
    """archive.selectors' own rule when it has one; until then nothing (never a rule of search's)."""
    try:
        from archive import selectors
    except ImportError:
        selectors = None
    visible = getattr(selectors, "archived_visible_to", None)
    if visible is None:
        return apps.get_model("archive", "ArchivedDocument").objects.none()
    return visible(membership.user) if membership else apps.get_model("archive", "ArchivedDocument").objects.none()


K = Entry.Kind
SOURCES = {
    K.OUTGOING: Source(K.OUTGOING, "documents.Outgoing", _outgoing_facts, _outgoing_visible, "outgoing_detail"),
    K.INCOMING: Source(K.INCOMING, "documents.Incoming", _incoming_facts, _incoming_visible, "incoming_detail"),
    K.INBOUND: Source(K.INBOUND, "intake.InboundMessage", _inbound_facts, _inbound_visible, "inbound_detail"),
    K.MEETING: Source(K.MEETING, "meetings.Meeting", _meeting_facts, _meeting_visible, "meeting_detail"),
    K.SCHEDULE: Source(K.SCHEDULE, "schedules.Schedule", _schedule_facts, _schedule_visible, "schedule_detail"),
    K.ARCHIVED: Source(K.ARCHIVED, "archive.ArchivedDocument", _archived_facts, _archived_visible,
                       "archived_document"),
}
# Files whose text (ocr.FileText) belongs to an item: file model -> (item's kind, attribute naming the item).
FILE_OWNERS = {
    "documents.outgoingfile": (K.OUTGOING, "outgoing"),
    "documents.incomingfile": (K.INCOMING, "incoming"),
    "intake.inboundattachment": (K.INBOUND, "message"),
    "archive.archiveddocument": (K.ARCHIVED, None),
}


def source_for(model):
    label = model._meta.label_lower
    return next((source for source in SOURCES.values() if source.model.lower() == label), None)


def entry_update(obj):
    """Write (or remove) the Entry of one item from its current state."""
    source = source_for(type(obj))
    facts = source.facts(obj) if source else None
    if facts is None:
        entry_remove(type(obj), obj.pk)
        return None
    facts["title"] = (facts.get("title") or "")[:2000]
    facts["number_key"] = text.number_key(facts.get("notation", ""))[:100]
    facts["notation"] = (facts.get("notation") or "")[:100]
    facts["issuer"] = (facts.get("issuer") or "")[:255]
    facts["summary_words"] = text.words(facts["summary"])
    facts["body_words"] = text.words(facts.get("body", ""))
    entry, _ = Entry.objects.update_or_create(kind=source.kind, object_id=obj.pk, defaults=facts)
    return entry


def entry_remove(model, pk):
    source = source_for(model)
    if source:
        Entry.objects.filter(kind=source.kind, object_id=pk).delete()


def file_text_owner(file_text):
    """The item a FileText's file belongs to, or None."""
    owner = FILE_OWNERS.get(f"{file_text.content_type.app_label}.{file_text.content_type.model}")
    if owner is None:
        return None
    file_obj = file_text.content_type.model_class().objects.filter(pk=file_text.object_id).first()
    if file_obj is None or owner[1] is None:
        return file_obj
    return getattr(file_obj, owner[1])


def reindex(kinds=None, *, batch=500, stdout=None):
    """Every item of the given kinds (all by default) written again; entries of vanished items removed."""
    total = 0
    for kind, source in SOURCES.items():
        model = source.model_class()
        if model is None or (kinds and kind not in kinds):
            continue
        ids = model.objects.order_by("pk").values_list("pk", flat=True)
        for pk in ids.iterator(chunk_size=batch):
            entry_update(model.objects.get(pk=pk))
            total += 1
        Entry.objects.filter(kind=kind).exclude(object_id__in=model.objects.values("pk")).delete()
        if stdout:
            stdout.write(f"{kind}: {model.objects.count()}")
    return total


def visibility_q(membership):
    """Entries this person may open: for each kind, the ids its own selector gives them."""
    allowed = Q(pk__in=[])
    for kind, source in SOURCES.items():
        if source.model_class() is not None:
            # Correlated (EXISTS … pk = object_id): one index probe per match, never the agency's whole table.
            allowed |= Q(kind=kind) & Exists(source.visible(membership).filter(pk=OuterRef("object_id")))
    return allowed
