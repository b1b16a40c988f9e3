"""Reading documents, with who-may-see-what built in: views never build document querysets."""

import datetime

from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Membership, Role
from agencies.models import Agency, RecipientGroup, Unit
from core.paging import bounded_count
from core.replica import local_settings
from intake.models import InboundMessage

from . import registers
from .filters import IncomingFilter, OutgoingFilter
from .models import Assignment, Delivery, Incoming, Outgoing, Register


def outgoing_visible_to(membership):
    """Clerks and leaders see all of their agency's outgoing documents; a specialist sees what they
    drafted and the agency's issued documents that are not secret. Nobody sees another agency's."""
    if membership is None:
        return Outgoing.objects.none()
    mine = Outgoing.objects.filter(agency=membership.agency)
    if membership.has_role(Role.CLERK, Role.LEADER):
        return mine
    if membership.has_role(Role.SPECIALIST):
        return mine.filter(Q(created_by=membership.user) | Q(status=Outgoing.Status.ISSUED, secrecy=""))
    return Outgoing.objects.none()


def outgoing_filterset(*, membership, filters=None):
    """The outgoing list's OutgoingFilter over what this person may see: `qs` the list, `form` its filter bar."""
    documents = outgoing_visible_to(membership).select_related("drafting_unit", "signer__user", "created_by")
    return OutgoingFilter(filters, queryset=documents)


def outgoing_list(*, membership, filters=None):
    """The outgoing documents this person may see, narrowed by the list's filters (a query dict or None)."""
    return outgoing_filterset(membership=membership, filters=filters).qs


def outgoing_get_for_user(membership, pk):
    return get_object_or_404(
        outgoing_visible_to(membership).select_related("agency", "drafting_unit", "signer__user", "created_by"),
        pk=pk,
    )


def _routed_to(membership):
    """Current assignments that reach this person: to them by name, or to their unit."""
    reach = Q(member=membership)
    if membership.unit_id:
        reach |= Q(unit_id=membership.unit_id)
    # Every caller narrows the documents to the person's agency itself (a join back to the document here would
    # cost one more lookup per row of a long list).
    return Assignment.objects.filter(reach, is_current=True)


def _routed_ids(membership, distinct=False):
    """Ids of the incoming documents routed now to this person or to their unit: each side read from its own partial
    index alone (assignment_current_member_idx, assignment_current_unit_idx), the two joined by UNION ALL (UNION with
    `distinct`: a document routed both to the person and to their unit once). As an OR PostgreSQL reads them by a
    bitmap, one table page per assignment (a ministry's unit has tens of thousands): this is how a list counts them.
    A page keeps the OR (_routed_to): it walks the agency's documents in date order and asks
    assignment_current_reach_idx of each, where this union, whose size PostgreSQL cannot guess, would have it read
    every routed document and sort them."""
    ids = Assignment.objects.filter(member=membership, is_current=True).order_by().values("incoming_id")
    if membership.unit_id:
        return ids.union(Assignment.objects.filter(unit_id=membership.unit_id, is_current=True)
                         .order_by().values("incoming_id"), all=not distinct)
    return ids.distinct() if distinct else ids


def incoming_sees_all(membership):
    """Whether this person sees every incoming document of their agency (clerks and leaders) rather than only what
    was routed to them or to their unit."""
    return membership.has_role(Role.CLERK, Role.LEADER)


def incoming_visible_to(membership):
    """Clerks and leaders see all of their agency's incoming documents; anyone else only what was routed
    to them or to their unit. Nobody sees another agency's."""
    if not membership:
        return Incoming.objects.none()
    mine = Incoming.objects.filter(agency=membership.agency)
    if incoming_sees_all(membership):
        return mine
    return mine.filter(pk__in=_routed_to(membership).values("incoming_id"))


def incoming_filterset(*, membership, filters=None):
    """The incoming list's IncomingFilter over what this person may see: `qs` the list, `form` its filter bar."""
    return IncomingFilter(filters, queryset=incoming_visible_to(membership).select_related("sender_agency"))


def incoming_list_counted(*, membership, filters=None):
    """What the incoming list counts for this person: its rows, found for a count (see _routed_ids); None when the
    list's own rows count fast (clerks and leaders: an index range of their agency's, stopping at the limit).
    Unfiltered, the routed ids themselves, from the two indexes alone: each of them looked up in the documents' table
    to check what no filter asks was the count's whole time (20 ms at 1 M documents, 5,001 lookups at 10 M)."""
    if not membership or incoming_sees_all(membership):
        return None
    filterset = IncomingFilter(filters, queryset=Incoming.objects.filter(agency=membership.agency,
                                                                        pk__in=_routed_ids(membership)))
    if filterset.is_bound and (not filterset.form.is_valid() or any(
            value not in (None, "") for value in filterset.form.cleaned_data.values())):
        return filterset.qs
    return _routed_ids(membership, distinct=True)  # routed ids are of the person's agency's documents (routing)


def incoming_list(*, membership, filters=None):
    """The incoming documents this person may see, narrowed by the list's filters (a query dict or None)."""
    return incoming_filterset(membership=membership, filters=filters).qs


def register_filterset(*, membership, kind, year, filters=None):
    """A register's FilterSet over its documents of one year that this person may open: `qs` what the page, its
    XLSX and its PDF list, `form` the page's filter bar."""
    if kind == Register.Kind.INCOMING:
        queryset, visible, filterset = (registers.incoming_register_queryset, incoming_visible_to,
                                        registers.IncomingRegisterFilter)
    else:
        queryset, visible, filterset = (registers.outgoing_register_queryset, outgoing_visible_to,
                                        registers.OutgoingRegisterFilter)
    documents = queryset(membership.agency, year, kind, documents=visible(membership))
    return filterset(filters, queryset=documents, agency=membership.agency)


def register_list(*, membership, kind, year, filters=None):
    """A register's documents of one year, only those this person may open, narrowed by the register's filters."""
    return register_filterset(membership=membership, kind=kind, year=year, filters=filters).qs


def incoming_get_for_user(membership, pk):
    return get_object_or_404(
        incoming_visible_to(membership).select_related("sender_agency", "inbound", "delivery__outgoing"), pk=pk
    )


def worklist(membership):
    """What is this person's to do: documents routed to them or their unit, not yet done, by due date."""
    ids = _routed_to(membership).exclude(role=Assignment.Role.INFORM).values("incoming_id")
    return (
        # agency= (implied by ids) lets the agency's open documents be read in due-date order by one index.
        Incoming.objects.filter(agency=membership.agency, pk__in=ids,
                                status__in=[Incoming.Status.ASSIGNED, Incoming.Status.IN_PROGRESS])
        .order_by(F("due_date").asc(nulls_last=True), "arrived_at")
    )


DESK_ROWS = 20
DESK_COUNT_LIMIT = 99


def _desk_count(queryset):
    """A desk figure that costs at most DESK_COUNT_LIMIT rows: (number, True if there are more)."""
    return bounded_count(queryset, DESK_COUNT_LIMIT)


# The worklist's head read once for the desk: its first rows in due-date order settle its three figures.
WORKLIST_HEAD = 2 * (DESK_COUNT_LIMIT + 1)
# The columns the desk's lists show (documents/dashboard.html): its rows are read without the rest.
DESK_INCOMING = ("id", "notation", "sender_name", "summary", "urgency", "arrived_at", "arrival_number", "due_date")
DESK_OUTGOING = ("id", "doc_type", "summary")


def _bounded(number):
    return min(number, DESK_COUNT_LIMIT), number > DESK_COUNT_LIMIT


def _walking_in_order():
    """The worklist's head in PostgreSQL as a walk: the agency's open documents in due-date order
    (incoming_open_worklist_id_idx), each asked of assignment_current_reach_idx, stopping at the head. PostgreSQL
    misjudges how many are routed to the person and would rather hash every current assignment of their unit (43,165
    at 10 M documents, a table page each: 72 ms; with hash joins off, sort them for a merge join: 134 ms) where the
    walk takes ≈ 8 ms: both joins are off for that one query."""
    return local_settings("enable_hashjoin = off", "enable_mergejoin = off")


def _worklist_desk(mine, due_week, today, week_end):
    """The desk's list of my work and its three figures from one read of the worklist's head (ids and due dates in
    due-date order, overdue first, then due within the week, undated last) and the listed rows by id; the week's
    figure is counted on its own only when overdue work fills the head."""
    with _walking_in_order():
        head = list(mine.values_list("pk", "due_date")[:WORKLIST_HEAD])
    whole = len(head) < WORKLIST_HEAD
    n_overdue = sum(1 for _pk, due in head if due is not None and due < today)
    n_week = sum(1 for _pk, due in head if due is not None and today <= due <= week_end)
    # The week's rows all sit in the head when the head is the whole list or goes past them.
    week_settled = whole or n_week > DESK_COUNT_LIMIT or head[-1][1] is None or head[-1][1] > week_end
    listed = [pk for pk, _due in head[:DESK_ROWS]]
    rows = Incoming.objects.only(*DESK_INCOMING).in_bulk(listed)
    return {
        "todo": [rows[pk] for pk in listed if pk in rows],
        "todo_count": _bounded(len(head)),
        "overdue_count": _bounded(n_overdue),
        "due_week_count": _bounded(n_week) if week_settled else _desk_count(due_week),
    }


def dashboard(membership):
    """The figures and lists of the desk page, for the person's roles: every list at most DESK_ROWS long and
    every figure counted up to DESK_COUNT_LIMIT, so the desk costs the same in a year's agency as in a decade's."""
    today = timezone.localdate()
    week_end = today + datetime.timedelta(days=7)
    mine = worklist(membership)
    overdue = mine.filter(due_date__lt=today)
    due_week = mine.filter(due_date__gte=today, due_date__lte=week_end)
    data = {
        **_worklist_desk(mine, due_week, today, week_end),
        "overdue": overdue,  # querysets for callers that want the rows; the page shows only the counts
        "due_week": due_week,
        "for_information": Incoming.objects.filter(
            agency=membership.agency, pk__in=_routed_to(membership).filter(role=Assignment.Role.INFORM).values("incoming_id")
        ).only(*DESK_INCOMING).order_by("-arrived_at")[:10],
    }
    agency_incoming = Incoming.objects.filter(agency=membership.agency).only(*DESK_INCOMING)
    if membership.has_role(Role.CLERK):
        data.update(_clerk_desk(membership, agency_incoming))
    if membership.has_role(Role.LEADER):
        data["to_approve"] = Outgoing.objects.filter(signer=membership, status=Outgoing.Status.SUBMITTED).only(
            *DESK_OUTGOING)[:DESK_ROWS]
        data["to_route"] = agency_incoming.filter(status=Incoming.Status.ACCEPTED).order_by("arrived_at")[:DESK_ROWS]
        data["agency_overdue"] = agency_incoming.filter(
            status__in=[Incoming.Status.ASSIGNED, Incoming.Status.IN_PROGRESS], due_date__lt=today)[:DESK_ROWS]
    if membership.has_role(Role.SPECIALIST):
        data["returned"] = Outgoing.objects.filter(created_by=membership.user,
                                                   status=Outgoing.Status.RETURNED).only(*DESK_OUTGOING)[:DESK_ROWS]
    return data


FAILED_DAYS = 90


def _clerk_desk(membership, agency_incoming):
    # The latest deliveries that did not go through, of documents touched in the last FAILED_DAYS days (read by
    # the agency's documents in date order), not every one the agency ever had.
    since = timezone.now() - datetime.timedelta(days=FAILED_DAYS)
    failed = list(Delivery.objects.filter(
        outgoing__agency=membership.agency, outgoing__updated_at__gte=since,
        status__in=Delivery.NEEDS_CLERK,
    ).select_related("outgoing").only("id", "name", "status", "outgoing", "outgoing__notation")
        .order_by("-outgoing__updated_at", "-pk")[:DESK_ROWS + 1])
    return {
        "to_register": agency_incoming.filter(status=Incoming.Status.ARRIVED).order_by("arrived_at")[:DESK_ROWS],
        "mailbox_pending": InboundMessage.objects.filter(
            agency=membership.agency, status=InboundMessage.Status.PENDING,
        ).only("id", "sender_email", "subject", "received_at").order_by("received_at")[:DESK_ROWS],
        "to_issue": Outgoing.objects.filter(agency=membership.agency, status=Outgoing.Status.APPROVED)
        .only(*DESK_OUTGOING).order_by("-updated_at")[:DESK_ROWS],
        "failed_deliveries": failed[:DESK_ROWS],
        "failed_count": (min(len(failed), DESK_ROWS), len(failed) > DESK_ROWS),
        "failed_days": FAILED_DAYS,
    }


def assignable(agency):
    """Units and people a leader can route a document to."""
    return {
        "units": Unit.objects.filter(agency=agency, is_active=True).order_by("name"),
        "members": Membership.objects.active().filter(agency=agency).select_related("user", "unit")
        .order_by("user__full_name"),
    }


def signers_for(agency):
    return Membership.objects.active().filter(agency=agency, is_leader=True).select_related("user")


def recipient_choices(agency):
    """What a drafter can pick from the directory: other agencies, own units, groups."""
    return {
        "agencies": Agency.objects.filter(is_active=True).exclude(pk=agency.pk).order_by("name"),
        "units": Unit.objects.filter(agency=agency, is_active=True).order_by("name"),
        "groups": RecipientGroup.objects.filter(Q(owner__isnull=True) | Q(owner=agency)).order_by("name"),
    }


def deliveries_progress(outgoing):
    """How far the delivery of an issued document is, for the progress bar (the caller may see it)."""
    counts = {status: 0 for status in Delivery.Status.values}
    for row in outgoing.deliveries.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    total = sum(counts.values())
    done = sum(counts[s] for s in Delivery.FINAL)
    return {"total": total, "done": done, "sent": counts[Delivery.Status.SENT],
            "failed": counts[Delivery.Status.FAILED], "uncertain": counts[Delivery.Status.UNCERTAIN],
            "bounced": counts[Delivery.Status.BOUNCED],
            "deferred": counts[Delivery.Status.DEFERRED],
            "percent": round(100 * done / total) if total else 100, "counts": counts}


# The delivery card shows a page of rows: a document sent to thousands stays a page of this many.
DELIVERIES_PER_PAGE = 50
# The rows that need the clerk come first, then those on their way, then the done ones.
DELIVERY_STATUS_ORDER = Case(
    When(status__in=Delivery.NEEDS_CLERK, then=Value(0)),
    When(status__in=[Delivery.Status.SENT, Delivery.Status.NOT_ELECTRONIC], then=Value(2)),
    default=Value(1), output_field=IntegerField(),
)


class DeliveryPageNotFound(Exception):
    """A page of deliveries past the last one."""


def deliveries_page(outgoing, *, status="", page=1):
    """One page of `outgoing`'s deliveries (the caller may see it), failed ones first, with the progress counts.

    `status` keeps the rows of one Delivery.Status (anything else means all). A page past the last is the last
    one: the card polled while sending asks again for its page, and the rows of a state may have left it. Raises
    DeliveryPageNotFound for a page below 1."""
    per_page = DELIVERIES_PER_PAGE
    progress = deliveries_progress(outgoing)
    status = status if status in progress["counts"] else ""
    total = progress["counts"][status] if status else progress["total"]
    pages = max(1, -(-total // per_page))
    if page < 1:
        raise DeliveryPageNotFound(page)
    page = min(page, pages)
    rows = outgoing.deliveries.select_related("agency", "incoming")
    if status:
        rows = rows.filter(status=status)
    start = (page - 1) * per_page
    rows = list(rows.order_by(DELIVERY_STATUS_ORDER, "channel", "name", "pk")[start:start + per_page])
    return {"deliveries": rows, "progress": progress, "delivery_status": status, "delivery_page": page,
            "delivery_pages": pages, "delivery_shown": total, "delivery_first": start + 1 if rows else 0,
            "delivery_last": start + len(rows)}


def replies_received(outgoing):
    """{delivery id: [Incoming…]}: what the agency received through the portal in reply to `outgoing`, by the
    recipient (delivery) whose copy it answers. Only documents that arrived here: never another agency's draft."""
    arrived = (Incoming.objects.filter(agency_id=outgoing.agency_id,
                                       delivery__outgoing__in_reply_to__delivery__outgoing=outgoing)
               .select_related("delivery__outgoing__in_reply_to").order_by("arrived_at", "pk"))
    by_delivery = {}
    for incoming in arrived:
        by_delivery.setdefault(incoming.delivery.outgoing.in_reply_to.delivery_id, []).append(incoming)
    return by_delivery


def incoming_answers(incoming):
    """The agency's own issued document that `incoming` (arrived through the portal) answers, or None."""
    if not incoming.delivery_id:
        return None
    return (Outgoing.objects.filter(agency_id=incoming.agency_id,
                                    deliveries__incoming__replies__deliveries__incoming=incoming)
            .select_related("agency").first())
