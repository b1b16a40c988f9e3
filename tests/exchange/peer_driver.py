"""One installation of the portal driven by the two-installation test (tests/exchange/test_two_installations.py).

Run as `python -m tests.exchange.peer_driver` with the installation's environment (DATABASE_URL, REDIS_URL,
MEDIA_ROOT...): it reads one JSON command a line on stdin and answers one JSON line on stdout, so the test works
on each installation's own database through the portal's own services, with one Django start-up per installation.
"""

import json
import os
import sys
import traceback

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.db import connections  # noqa: E402

from agencies.models import Agency, Installation  # noqa: E402
from documents.models import Delivery, Incoming, Recipient  # noqa: E402
from documents.services import incoming as incoming_services  # noqa: E402
from documents.services import outgoing as outgoing_services  # noqa: E402
from exchange.models import ExchangeMessage  # noqa: E402
from pki.demo import issue_certificate  # noqa: E402
from tests import factories  # noqa: E402
from tests.documents.conftest import approved  # noqa: E402

STAFF = {}


def agency_setup(name, code, domain, short_name):
    """An agency served by this installation, its certificate and its staff; returns its certificate (PEM)."""
    agency = factories.make_agency(name, short_name=short_name, code=code, domain=domain)
    office = factories.make_unit(agency, "Văn phòng", "VP")
    STAFF.update({
        "agency": agency, "office": office,
        "specialist": factories.make_member(agency, "specialist", unit=office, position="Chuyên viên"),
        "leader": factories.make_member(agency, "leader", unit=office, position="Thủ trưởng"),
        "clerk": factories.make_member(agency, "clerk", unit=office, position="Văn thư"),
    })
    return {"certificate_pem": issue_certificate(agency).certificate_pem}


def peer_add(code, name, endpoint, signing_pem, tls_ca_pem, agencies):
    """Another installation and the agencies it serves, in this installation's directory."""
    installation = Installation.objects.create(code=code, name=name, endpoint=endpoint,
                                               signing_certificates_pem=signing_pem, tls_ca_pem=tls_ca_pem)
    for agency in agencies:
        factories.make_agency(agency["name"], code=agency["code"], domain=agency["domain"], installation=installation)
    return {"installation": installation.pk}


def issue(to_code, summary):
    recipient = Agency.objects.get(code=to_code)
    outgoing = approved(STAFF["specialist"], STAFF["leader"], {"kind": Recipient.Kind.AGENCY, "agency": recipient},
                        summary=summary)
    outgoing = outgoing_services.outgoing_issue(membership=STAFF["clerk"], outgoing=outgoing)
    return {"outgoing": outgoing.pk, "notation": outgoing.notation}


def delivery(outgoing):
    row = Delivery.objects.get(outgoing_id=outgoing, channel=Delivery.Channel.PEER)
    return {"status": row.status, "attempts": row.attempts, "response": row.response,
            "remote_status": row.remote_status, "remote_status_reason": row.remote_status_reason, "message_id": row.message_id}


def incoming(summary):
    rows = list(Incoming.objects.filter(summary=summary))
    return {"count": len(rows), "status": rows[0].status if rows else "",
            "files": [f.name for f in rows[0].files.all()] if rows else [],
            "document_id": rows[0].edxml_document_id if rows else "",
            "source": rows[0].source if rows else ""}


def messages():
    deliveries = [(d.status, d.attempts, d.response) for d in Delivery.objects.filter(channel=Delivery.Channel.PEER)]
    return {"deliveries": deliveries, "rows": [
        {"direction": m.direction, "kind": m.kind, "status_code": m.status_code, "state": m.state,
         "business": m.business,
         "message_id": m.message_id, "attempts": m.attempts, "document_id": m.document_id,
         "last_error": m.last_error}
        for m in ExchangeMessage.objects.order_by("pk")
    ]}


def handle(summary, step, reason=""):
    """The receiving agency's staff move the incoming document one step: register, route, progress, complete, refuse."""
    document = Incoming.objects.get(summary=summary)
    clerk, leader, office = STAFF["clerk"], STAFF["leader"], STAFF["office"]
    if step == "register":
        incoming_services.incoming_register(membership=clerk, incoming=document)
    elif step == "refuse":
        incoming_services.incoming_refuse(membership=clerk, incoming=document, reason=reason)
    elif step == "route":
        incoming_services.incoming_route(membership=leader, incoming=document, lead_member=STAFF["specialist"],
                                         instructions="Chủ trì tham mưu")
    elif step == "progress":
        incoming_services.incoming_progress(membership=STAFF["specialist"], incoming=document, text="Đang dự thảo")
    elif step == "complete":
        incoming_services.incoming_complete(membership=STAFF["specialist"], incoming=document, result="Đã xong")
    del office
    return {"status": Incoming.objects.get(pk=document.pk).status}


def recall(outgoing, reason):
    """The issuing clerk asks to recall the document, its signer agrees: the recipients are told."""
    from documents.models import Outgoing
    from documents.services.revisions import revision_decide, revision_request

    document = Outgoing.objects.get(pk=outgoing)
    revision = revision_request(membership=STAFF["clerk"], outgoing=document, kind="1", reason=reason)
    revision_decide(membership=STAFF["leader"], revision=revision, agree=True)
    return {"revision": revision.pk}


def notice(outgoing):
    from documents.models import RevisionNotice

    row = RevisionNotice.objects.get(revision__outgoing_id=outgoing)
    return {"sending": row.sending, "answer": row.answer, "answered_by": row.answered_by}


def revision_answer(summary, agree, reason=""):
    """The recipient's clerk answers the sender's recall."""
    from documents.models import IncomingRevision
    from documents.services.revisions import incoming_revision_answer

    revisions = list(IncomingRevision.objects.filter(incoming__summary=summary))
    if not revisions:
        return {"count": 0}
    incoming_revision_answer(membership=STAFF["clerk"], revision=revisions[0], agree=agree, reason=reason)
    return {"count": len(revisions), "status": Incoming.objects.get(summary=summary).status}


COMMANDS = {f.__name__: f for f in (agency_setup, peer_add, issue, delivery, incoming, messages, handle, recall,
                                    notice, revision_answer)}


def main():
    for line in sys.stdin:
        command = json.loads(line)
        try:
            result = {"ok": COMMANDS[command.pop("command")](**command)}
        except Exception:  # noqa: BLE001 - the test shows it
            result = {"error": traceback.format_exc()}
        finally:
            connections.close_all()
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
