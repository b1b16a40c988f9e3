"""The daily e-mail about overdue incoming documents (Directive 34: reply promptly)."""

from collections import defaultdict

from django.conf import settings
from django.core.mail import get_connection
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Membership
from core.mail import mail_may_name
from core.mail_headers import PolicyEmailMessage

from ..models import Assignment, Incoming


def overdue_incoming(today=None):
    today = today or timezone.localdate()
    return (
        Incoming.objects.filter(status__in=[Incoming.Status.ASSIGNED, Incoming.Status.IN_PROGRESS],
                                due_date__lt=today)
        .select_related("agency", "routed_by")
        .prefetch_related("assignments__unit", "assignments__member__user")
    )


def _handlers(incoming):
    """The people who must act: named leads and co-operators, and everyone in a named unit."""
    people = []
    for assignment in incoming.assignments.all():
        if not assignment.is_current or assignment.role == Assignment.Role.INFORM:
            continue
        if assignment.member_id:
            people.append(assignment.member)
        else:
            people += list(Membership.objects.active().filter(unit=assignment.unit))
    return people


def overdue_digest_send(today=None):
    """One e-mail per person: what is overdue in their hands, and what overdue they routed. Returns the count."""
    today = today or timezone.localdate()
    handling, routed = defaultdict(list), defaultdict(list)
    addresses = {}
    for incoming in overdue_incoming(today):
        for member in _handlers(incoming):
            addresses[member.user_id] = (member.user, member.official_email or member.user.email)
            if incoming not in handling[member.user_id]:
                handling[member.user_id].append(incoming)
        if incoming.routed_by_id:
            user = incoming.routed_by
            addresses.setdefault(user.pk, (user, user.email))
            routed[user.pk].append(incoming)
    messages = []
    with translation.override("vi"):
        for user_id, (user, address) in addresses.items():
            mine, theirs = handling.get(user_id, []), routed.get(user_id, [])
            everything = {*mine, *theirs}
            # Secret documents are only counted: their summary, number and link stay inside the portal.
            context = {"user": user, "count": len(everything), "today": today, "site": settings.SITE_URL,
                       "handling": [i for i in mine if mail_may_name(i)],
                       "routed": [i for i in theirs if mail_may_name(i)],
                       "secret_count": sum(1 for i in everything if not mail_may_name(i))}
            messages.append(PolicyEmailMessage(
                subject=render_to_string("documents/email/overdue_subject.txt", context).strip(),
                body=render_to_string("documents/email/overdue_body.txt", context),
                from_email=settings.DEFAULT_FROM_EMAIL, to=[address],
            ))
    if messages:
        get_connection().send_messages(messages)
    return len(messages)
