"""Reading documents, with who-may-see-what built in: views never build document querysets."""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from accounts.models import Membership, Role
from agencies.models import Agency, RecipientGroup, Unit

from .models import Incoming, Outgoing


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


def outgoing_get_for_user(membership, pk):
    return get_object_or_404(
        outgoing_visible_to(membership).select_related("agency", "drafting_unit", "signer__user", "created_by"),
        pk=pk,
    )


def incoming_visible_to(membership):
    """Clerks and leaders see their agency's incoming documents (routing refines this later)."""
    if membership is None or not membership.has_role(Role.CLERK, Role.LEADER):
        return Incoming.objects.none()
    return Incoming.objects.filter(agency=membership.agency)


def incoming_get_for_user(membership, pk):
    return get_object_or_404(incoming_visible_to(membership).select_related("sender_agency"), pk=pk)


def signers_for(agency):
    return Membership.objects.active().filter(agency=agency, is_leader=True).select_related("user")


def recipient_choices(agency):
    """What a drafter can pick from the directory: other agencies, own units, groups."""
    return {
        "agencies": Agency.objects.filter(is_active=True).exclude(pk=agency.pk).order_by("name"),
        "units": Unit.objects.filter(agency=agency, is_active=True).order_by("name"),
        "groups": RecipientGroup.objects.filter(Q(owner__isnull=True) | Q(owner=agency)).order_by("name"),
    }
