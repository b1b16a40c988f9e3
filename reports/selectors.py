"""Reading for the reports pages, with who-may-see-what built in.

The traffic log and the incidents are one agency's own (its clerks, leaders and admins). The usage report
is for leaders, admins and the chief of office: an agency sees itself and the agencies under it, never its
parent or a sibling. Its per-person figures are for the agency's leaders and chief of office only, and only
of the agency's own people.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Role
from documents.models import Delivery, Incoming, IncomingFile, Outgoing
from documents.selectors import incoming_visible_to, outgoing_visible_to
from incidents.models import Incident
from intake.models import InboundMessage

from .filters import IncidentFilter, TrafficFilter

TRAFFIC_ROLES = (Role.CLERK, Role.LEADER, Role.ADMIN)
REPORT_ROLES = (Role.LEADER, Role.ADMIN)
# Who opens the report pages: the views' guards and the sidebar read this.
PAGE_ROLES = {"traffic_log": TRAFFIC_ROLES, "incident_list": TRAFFIC_ROLES, "usage_report": REPORT_ROLES}
# The columns of a traffic log row, the same for both directions so that the two halves make one UNION; named
# apart from the models' fields, as the ORM wants of annotations.
TRAFFIC_COLUMNS = ("log_key", "log_direction", "log_channel", "log_notation", "log_summary", "log_counterpart",
                   "log_address", "log_status", "log_at", "log_sent", "log_arrived", "log_registered",
                   "log_completed", "log_outgoing", "log_incoming", "log_remote", "log_secrecy")


def may_open(name, membership):
    """Whether `membership` opens the report page `name`; the chief of office also opens the usage report."""
    if not membership:
        return False
    return membership.has_role(*PAGE_ROLES[name]) or (name == "usage_report" and membership.is_chief_of_office)


def people_figures_of(membership, agency):
    """The agency whose per-person figures `membership` sees in a report on `agency`, or None.

    Only a leader or the chief of office, and only in the report on their own agency (with or without the
    agencies under it): never another agency's people, not even a child's.
    """
    if membership and agency.pk == membership.agency_id and (membership.is_leader or membership.is_chief_of_office):
        return membership.agency
    return None


def _may_see_traffic(membership):
    return bool(membership) and membership.has_role(*TRAFFIC_ROLES)


HIDDEN_SUMMARY, SECRET_SUMMARY = gettext_noop("(không có quyền xem)"), gettext_noop("(văn bản mật)")
REDACT_CHUNK = 5_000


def _redactor(membership):
    """What a page of the log shows of each row: the summary and the counterpart's address of a document the viewer
    may not open (documents.selectors, the document pages' own rule) give way to a placeholder. Asked of the
    selectors for the page's documents only, never for every document the viewer may open."""
    def visible(selector, ids):
        ids, found = list(ids), set()
        for start in range(0, len(ids), REDACT_CHUNK):
            found.update(selector(membership).filter(pk__in=ids[start:start + REDACT_CHUNK])
                         .values_list("pk", flat=True))
        return found

    def redact(rows):
        shown = {"out": visible(outgoing_visible_to, {r["log_outgoing"] for r in rows if r["log_direction"] == "out"}),
                 "in": visible(incoming_visible_to, {r["log_incoming"] for r in rows if r["log_direction"] == "in"})}
        for row in rows:
            secrecy = row.pop("log_secrecy", "")
            document = row["log_outgoing"] if row["log_direction"] == "out" else row["log_incoming"]
            if document not in shown[row["log_direction"]]:
                row["log_summary"] = _(SECRET_SUMMARY) if secrecy else _(HIDDEN_SUMMARY)
                row["log_address"] = ""
        return rows
    return redact


def _remote_status():
    """The edXML status of the recipient's copy, as the outgoing page shows it: what the other installation last
    said (channel peer), or the status of the incoming document made in the portal; "" for the rest."""
    return Case(When(channel=Delivery.Channel.PEER, then=F("remote_status")),
                When(channel=Delivery.Channel.PORTAL, incoming__isnull=False, then=F("incoming__status")),
                default=Value(""), output_field=CharField())


def _outgoing_rows(membership, deliveries):
    """One row per delivery of the agency's issued documents; for the portal, the recipient's handling times."""
    visible = outgoing_visible_to(membership).filter(pk=OuterRef("outgoing_id"))
    return deliveries.order_by().alias(log_shown=Exists(visible)).values(
        log_key=F("pk") * 2, log_direction=Value("out", output_field=CharField()), log_channel=F("channel"),
        log_notation=F("outgoing__notation"), log_counterpart=F("name"), log_summary=F("outgoing__summary"),
        log_address=F("email"), log_secrecy=F("outgoing__secrecy"),
        log_status=F("status"), log_at=F("outgoing__issued_at"), log_sent=F("sent_at"),
        log_arrived=F("incoming__arrived_at"), log_registered=F("incoming__registered_at"),
        log_completed=F("incoming__completed_at"), log_outgoing=F("outgoing_id"),
        log_incoming=Value(None, output_field=BigIntegerField()), log_remote=_remote_status(),
    )


def _incoming_rows(membership, incoming):
    visible = incoming_visible_to(membership).filter(pk=OuterRef("pk"))
    return incoming.order_by().alias(log_shown=Exists(visible)).values(
        log_key=F("pk") * 2 + 1, log_direction=Value("in", output_field=CharField()), log_channel=F("source"),
        log_notation=F("notation"), log_counterpart=F("sender_name"), log_summary=F("summary"),
        # A subquery rather than a join: a join left unused still keeps the count (paging.TrafficLog.count) from
        # reading the agency's index alone.
        log_address=Coalesce(Subquery(InboundMessage.objects.filter(pk=OuterRef("inbound_id")).order_by().values("sender_email")),
                             Value(""), output_field=CharField()),
        log_secrecy=F("secrecy"),
        log_status=F("status"), log_at=F("arrived_at"), log_sent=Value(None, output_field=DateTimeField()),
        log_arrived=F("arrived_at"), log_registered=F("registered_at"), log_completed=F("completed_at"),
        log_outgoing=Value(None, output_field=BigIntegerField()), log_incoming=F("pk"),
        log_remote=Value("", output_field=CharField()),
    )


def traffic_filterset(*, membership, filters=None):
    """The traffic log's TrafficFilter over the agency's two halves (every delivery of its issued documents, every
    incoming document), with the redaction applied to the rows read; its `qs` is the log, its `form` the filter bar."""
    if _may_see_traffic(membership):
        deliveries = Delivery.objects.filter(outgoing__agency=membership.agency, outgoing__status=Outgoing.Status.ISSUED)
        incoming = Incoming.objects.filter(agency=membership.agency)
    else:
        deliveries, incoming = Delivery.objects.none(), Incoming.objects.none()
    return TrafficFilter(filters, halves=[_outgoing_rows(membership, deliveries), _incoming_rows(membership, incoming)],
                         redact=_redactor(membership))


def traffic_list(*, membership, filters=None):
    """The agency's traffic log narrowed by the filters (a query dict or None): one queryset (a UNION in the
    database) of dicts with the TRAFFIC_COLUMNS keys, newest first. Dates are whole days in Vietnam's time; status
    is a delivery status or an incoming status code."""
    return traffic_filterset(membership=membership, filters=filters).qs


def deliveries_with_open_incident(membership, delivery_ids):
    """Of these deliveries (ids, e.g. a page of the log), those of the member's agency with a failure still open."""
    if not _may_see_traffic(membership) or not delivery_ids:
        return set()
    return set(Incident.objects.filter(
        agency=membership.agency, kind=Incident.Kind.DELIVERY_FAILED, resolved_at__isnull=True,
        subject_type=ContentType.objects.get_for_model(Delivery), subject_id__in=list(delivery_ids),
    ).values_list("subject_id", flat=True))


def _about_a_document_not_theirs(membership):
    """Incidents about a document the member may not open (the document pages' rule): a failed delivery of it,
    a signature of one of its files, its being overdue. Each an EXISTS on the incident's own subject, worked out
    for the rows of a page, never the set of every document the member may open."""
    outgoing, incoming = outgoing_visible_to(membership), incoming_visible_to(membership)
    subject, kind = OuterRef("subject_id"), Incident.Kind
    return (
        (Q(kind=kind.DELIVERY_FAILED) & ~Exists(outgoing.filter(deliveries=subject)))
        | (Q(kind=kind.SIGNATURE)
           & ~Exists(incoming.filter(pk=Subquery(IncomingFile.objects.filter(pk=OuterRef(subject)).values("incoming_id")))))
        | (Q(kind=kind.OVERDUE) & ~Exists(incoming.filter(pk=subject)))
    )


def incidents_visible_to(membership):
    """The agency's incidents; `cause_shown` is the cause, or a placeholder when it is about a document the member
    may not open (a delivery failure names the address, a signature problem the file)."""
    if not _may_see_traffic(membership):
        return Incident.objects.none()
    return (Incident.objects.filter(agency=membership.agency).select_related("subject_type", "resolved_by")
            .annotate(cause_shown=Case(When(_about_a_document_not_theirs(membership),
                                            then=Value(_("(chi tiết chỉ dành cho người được xem văn bản)"))),
                                       default=F("cause"), output_field=CharField()))
            .prefetch_related("subject"))


def incident_filterset(*, membership, filters=None):
    """The incident list's IncidentFilter over what this person may see: `qs` the list, `form` its filter bar."""
    return IncidentFilter(filters, queryset=incidents_visible_to(membership))


def incident_list(*, membership, filters=None):
    """The incidents this person may see, narrowed by the list's filters (a query dict or None)."""
    return incident_filterset(membership=membership, filters=filters).qs


def incident_get_for_user(membership, pk):
    return get_object_or_404(incidents_visible_to(membership), pk=pk)


def report_scope(membership, agency_id=None):
    """(the agency reported on, its ids with every agency under it, the choices) for a leader, an admin or the
    chief of office.

    The choices are the member's own agency (with or without the agencies under it) and each agency directly
    under it. Any other agency is a 404: a child never sees its parent's report, nor a sibling's.
    """
    if not may_open("usage_report", membership):
        raise Http404
    own = membership.agency
    children = list(own.children.filter(is_active=True).order_by("name"))
    if agency_id in (None, "", str(own.pk)):
        return own, own.descendant_ids(), children
    if agency_id == "self":
        return own, [own.pk], children
    chosen = next((c for c in children if str(c.pk) == str(agency_id)), None)
    if chosen is None:
        raise Http404
    return chosen, chosen.descendant_ids(), children
