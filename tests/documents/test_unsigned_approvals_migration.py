"""Migration 0016: drafts approved with a click before approving was a signature go back to their signer."""

import importlib

from django.apps import apps

from documents.models import Outgoing
from tests.documents.conftest import approved, make_draft, to_agency

migration = importlib.import_module("documents.migrations.0016_unsigned_approvals_back_to_signer")


def test_approved_without_the_signers_signature_goes_back_to_submitted(specialist, leader, portal_agency):
    from documents.services import outgoing as services

    clicked = make_draft(specialist, leader, to_agency(portal_agency))
    services.outgoing_submit(membership=specialist, outgoing=clicked)
    Outgoing.objects.filter(pk=clicked.pk).update(status=Outgoing.Status.APPROVED)  # as the old click left it
    signed = approved(specialist, leader, to_agency(portal_agency))

    migration.back_to_signer(apps, None)

    assert Outgoing.objects.get(pk=clicked.pk).status == Outgoing.Status.SUBMITTED
    assert Outgoing.objects.get(pk=signed.pk).status == Outgoing.Status.APPROVED
