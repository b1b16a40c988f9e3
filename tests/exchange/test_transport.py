"""Between installations, on one database: the receiver (POST /exchange/edxml/) and its refusals, the sender's
outcomes (delivered, refused, retried, given up), statuses sent back once and recorded at the sender, and the POST
itself over real TLS."""

import datetime
import http.server
import json
import ssl
import threading
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import Installation
from documents.models import Delivery, Incoming, IncomingFile
from documents.services import incoming as incoming_services
from documents.services import outgoing as services
from exchange import edxml, packages, transport
from exchange.models import ExchangeMessage
from incidents.models import Incident
from pki import demo
from tests import factories
from tests.documents.conftest import approved, to_agency
from tests.exchange.test_two_installations import tls_ca

pytestmark = pytest.mark.django_db
URL = "/exchange/edxml/"


def certificate_pem(agency):
    return agency.certificates.get(is_active=True).certificate_pem


def sign(message, agency):
    return edxml.envelope_bytes(message, certificate=agency.certificates.get(is_active=True))


def post(client, data):
    response = client.post(URL, data=data, content_type="application/xml")
    return response.status_code, response.json()


@pytest.fixture
def peer(agency, certified):
    """This side knows Bộ Nội vụ as an agency of another installation, which signs with Bộ Nội vụ's certificate."""
    return Installation.objects.create(code="bo-noi-vu", name="Hệ thống của Bộ Nội vụ",
                                       endpoint="https://vanban.moha.gov.vn/exchange/edxml/",
                                       signing_certificates_pem=certificate_pem(agency))


@pytest.fixture
def envelope_from_peer(issued, agency, peer_agency, peer):
    """The envelope of Bộ Nội vụ's document to Nghệ An (served here), as its installation sends it."""
    data = sign(packages.outgoing_envelope(issued, to_agency=peer_agency), agency)
    agency.installation = peer
    agency.save()
    return data


def test_the_url_is_the_receiver():
    assert reverse("exchange_edxml_receive") == URL


def test_a_document_from_a_trusted_installation_arrives_once(client, envelope_from_peer, peer, peer_agency, issued):
    assert post(client, envelope_from_peer) == (200, {"result": "received", "reason": "Đã nhận gói tin."})
    incoming = Incoming.objects.get(agency=peer_agency)
    assert incoming.source == Incoming.Source.PEER and incoming.notation == issued.notation
    assert incoming.files.count() == issued.files.count()
    row = ExchangeMessage.objects.get(direction="in")
    assert (row.installation, row.state, row.incoming, row.kind) == (peer, "done", incoming, "document")
    assert row.envelope.size == len(envelope_from_peer)

    # The same envelope again, and the same document under another message id: already received, nothing new.
    assert post(client, envelope_from_peer)[1]["result"] == "already_received"
    again = edxml.envelope_read(envelope_from_peer, trusted_pem=[peer.signing_certificates_pem]).message
    again.message_id = "another-message-id"
    assert post(client, sign(again, issued.agency))[1]["result"] == "already_received"
    assert Incoming.objects.filter(agency=peer_agency).count() == 1
    assert IncomingFile.objects.count() == issued.files.count()


def _nothing_received():
    assert not Incoming.objects.filter(source=Incoming.Source.PEER).exists()
    assert not ExchangeMessage.objects.filter(direction="in", state="done").exists()


def test_an_inactive_installation_is_not_heard(client, envelope_from_peer, peer):
    peer.is_active = False
    peer.save()
    status, answer = post(client, envelope_from_peer)
    assert status == 403 and answer["result"] == "refused" and answer["reason"]
    _nothing_received()


def test_a_sender_no_installation_serves_is_not_heard(client, envelope_from_peer, agency):
    agency.installation = None
    agency.save()
    status, answer = post(client, envelope_from_peer)
    assert status == 403 and agency.code in answer["reason"]
    _nothing_received()


def test_a_signature_by_a_certificate_the_installation_does_not_list_is_refused(client, envelope_from_peer, peer,
                                                                                 other_agency):
    peer.signing_certificates_pem = demo.issue_certificate(other_agency).certificate_pem
    peer.save()
    status, answer = post(client, envelope_from_peer)
    assert status == 403 and "tin cậy" in answer["reason"]
    _nothing_received()


def test_one_installation_cannot_speak_for_an_agency_of_another(client, issued, agency, peer_agency, peer,
                                                                other_agency):
    """Signed with the certificate of a second installation, an envelope whose sender the first one serves."""
    other_certificate = demo.issue_certificate(other_agency)
    Installation.objects.create(code="khac", name="Hệ thống khác", endpoint="https://khac.gov.vn/exchange/edxml/",
                                signing_certificates_pem=other_certificate.certificate_pem)
    data = edxml.envelope_bytes(packages.outgoing_envelope(issued, to_agency=peer_agency),
                                certificate=other_certificate)
    agency.installation = peer
    agency.save()
    status, answer = post(client, data)
    assert status == 403 and peer.name in answer["reason"]
    _nothing_received()


def test_malformed_oversized_and_other_methods_are_refused_with_a_reason(client, envelope_from_peer, settings):
    status, answer = post(client, b"<edXMLEnvelope>")
    assert status in (400, 403) and answer["result"] == "refused" and answer["reason"]
    settings.EXCHANGE_MAX_ENVELOPE_BYTES = 1000
    assert post(client, envelope_from_peer)[0] == 413
    assert client.get(URL).status_code == 405
    _nothing_received()


def test_an_installation_over_its_rate_waits(client, envelope_from_peer, peer):
    peer.rate_limit_per_minute = 1
    peer.save()
    # The limit counts per minute of the clock: both envelopes must arrive within one (each takes up to a second).
    if time.time() % 60 > 55:
        time.sleep(60.5 - time.time() % 60)
    assert post(client, envelope_from_peer)[0] == 200
    response = client.post(URL, data=envelope_from_peer, content_type="application/xml")
    assert response.status_code == 429 and response["Retry-After"] == "60"


def test_an_envelope_for_an_agency_this_side_does_not_serve_is_refused_and_recorded(client, issued, agency, peer,
                                                                                   other_agency):
    data = sign(packages.outgoing_envelope(issued, to_agency=other_agency), agency)
    other_agency.installation = peer  # served elsewhere, not here
    other_agency.save()
    agency.installation = peer
    agency.save()
    status, answer = post(client, data)
    assert status == 400 and other_agency.code in answer["reason"]
    assert ExchangeMessage.objects.get(direction="in").state == "refused"
    assert not Incoming.objects.exists()


# --- statuses back to the sender ------------------------------------------------------------------------------

@pytest.fixture
def sent_to_peer(issued, peer_agency, monkeypatch):
    """Here the roles turn: Nghệ An is served by another installation, which received the delivery."""
    installation = Installation.objects.create(
        code="nghe-an", name="Hệ thống của tỉnh Nghệ An", endpoint="https://vanban.nghean.gov.vn/exchange/edxml/",
        signing_certificates_pem=demo.issue_certificate(peer_agency).certificate_pem)
    peer_agency.installation = installation
    peer_agency.save()
    delivery = Delivery.objects.create(outgoing=issued, channel=Delivery.Channel.PEER, agency=peer_agency,
                                       name=peer_agency.name)
    posted = []
    monkeypatch.setattr(transport, "envelope_post",
                        lambda inst, data, mid: posted.append(data) or transport.Answer("delivered", "200 received"))
    transport.delivery_send(delivery.pk)
    delivery.refresh_from_db()
    return delivery, installation, posted


def status_from(agency, document_id, code, reason="", at=None, message_id=None):
    message = edxml.StatusMessage(document_id=document_id, from_code=agency.code, to_code="000.00.00.G09", code=code,
                                  reason=reason, staff_name="Nguyễn Văn Thư", at=at or timezone.now())
    if message_id:
        message.message_id = message_id
    return sign(message, agency)


def test_statuses_from_the_recipient_installation_show_on_the_delivery(client, sent_to_peer, peer_agency):
    delivery, installation, _posted = sent_to_peer
    document_id = ExchangeMessage.objects.get(direction="out", delivery=delivery).document_id
    earlier = timezone.now() - datetime.timedelta(minutes=5)
    assert post(client, status_from(peer_agency, document_id, "03"))[1]["result"] == "received"
    delivery.refresh_from_db()
    assert delivery.remote_status == "03" and delivery.remote_status_at
    # An older status that arrives late does not take the place of a newer one.
    assert post(client, status_from(peer_agency, document_id, "01", at=earlier))[0] == 200
    delivery.refresh_from_db()
    assert delivery.remote_status == "03"
    assert post(client, status_from(peer_agency, document_id, "02", reason="Gửi nhầm"))[0] == 200
    delivery.refresh_from_db()
    assert (delivery.remote_status, delivery.remote_status_reason) == ("02", "Gửi nhầm")
    # A status of a document never sent there is refused.
    status, answer = post(client, status_from(peer_agency, "000.00.00.G09,2020/01/01,99/BNV", "03"))
    assert status == 400 and "99/BNV" in answer["reason"]


# --- the sender --------------------------------------------------------------------------------------------------

def test_a_delivered_envelope_is_signed_kept_and_the_delivery_sent(sent_to_peer, agency, issued):
    delivery, installation, posted = sent_to_peer
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 1
    message = ExchangeMessage.objects.get(direction="out")
    assert (message.state, message.installation, message.delivery) == ("done", installation, delivery)
    assert delivery.message_id == message.message_id
    read = edxml.envelope_read(posted[0], trusted_pem=[certificate_pem(agency)])
    assert read.message.message_id == message.message_id and read.message.document_id == message.document_id
    assert [o.code for o in read.message.to_organs] == [delivery.agency.code]


@pytest.fixture
def peer_delivery(issued, peer_agency):
    installation = Installation.objects.create(code="nghe-an", name="Hệ thống của tỉnh Nghệ An",
                                               endpoint="https://vanban.nghean.gov.vn/exchange/edxml/",
                                               signing_certificates_pem="")
    peer_agency.installation = installation
    peer_agency.save()
    return Delivery.objects.create(outgoing=issued, channel=Delivery.Channel.PEER, agency=peer_agency,
                                   name=peer_agency.name)


def answers(monkeypatch, *scripted):
    posted = []

    def fake(installation, data, message_id):
        posted.append((data, message_id))
        return scripted[min(len(posted), len(scripted)) - 1]

    monkeypatch.setattr(transport, "envelope_post", fake)
    return posted


def test_a_lost_answer_is_retried_with_the_same_envelope_until_delivered(peer_delivery, monkeypatch):
    posted = answers(monkeypatch, transport.Answer("retry", "Không kết nối được"),
                     transport.Answer("delivered", "200 already_received"))
    assert transport.delivery_send(peer_delivery.pk) == 60  # DELIVERY_RETRY_BASE_SECONDS
    peer_delivery.refresh_from_db()
    assert peer_delivery.status == Delivery.Status.RETRY and peer_delivery.next_attempt_at > timezone.now()
    assert transport.delivery_send(peer_delivery.pk) is None and len(posted) == 1  # not due yet
    Delivery.objects.filter(pk=peer_delivery.pk).update(next_attempt_at=timezone.now())
    transport.delivery_send(peer_delivery.pk)
    peer_delivery.refresh_from_db()
    assert peer_delivery.status == Delivery.Status.SENT and peer_delivery.attempts == 2
    assert posted[0] == posted[1]  # the same bytes, the same message id
    assert ExchangeMessage.objects.get().state == "done"


def test_a_refusal_fails_the_delivery_with_the_reason_and_an_incident(peer_delivery, monkeypatch):
    answers(monkeypatch, transport.Answer("refused", "400: Cơ quan nhận không thuộc hệ thống này."))
    assert transport.delivery_send(peer_delivery.pk) is None
    peer_delivery.refresh_from_db()
    assert peer_delivery.status == Delivery.Status.FAILED and "không thuộc" in peer_delivery.response
    assert Incident.objects.get(kind=Incident.Kind.DELIVERY_FAILED, resolved_at__isnull=True).cause \
        == peer_delivery.response
    assert ExchangeMessage.objects.get().state == "refused"


def test_temporary_failures_give_up_after_the_last_attempt(peer_delivery, monkeypatch, settings):
    settings.DELIVERY_MAX_ATTEMPTS = 2
    answers(monkeypatch, transport.Answer("retry", "503: bảo trì"))
    transport.delivery_send(peer_delivery.pk)
    Delivery.objects.filter(pk=peer_delivery.pk).update(next_attempt_at=timezone.now())
    assert transport.delivery_send(peer_delivery.pk) is None
    peer_delivery.refresh_from_db()
    assert peer_delivery.status == Delivery.Status.FAILED and peer_delivery.attempts == 2
    assert ExchangeMessage.objects.get().state == "failed"


def test_a_delivery_another_run_holds_is_not_sent_twice(peer_delivery, monkeypatch):
    posted = answers(monkeypatch, transport.Answer("delivered", "200 received"))
    Delivery.objects.filter(pk=peer_delivery.pk).update(status=Delivery.Status.SENDING)
    assert transport.delivery_send(peer_delivery.pk) is None and posted == []


def test_issuing_to_an_agency_of_another_installation_sends_through_the_hook(certified, specialist, leader, clerk,
                                                                             peer_agency, monkeypatch,
                                                                             django_capture_on_commit_callbacks):
    Installation.objects.create(code="nghe-an", name="Hệ thống của tỉnh Nghệ An", signing_certificates_pem="",
                                endpoint="https://vanban.nghean.gov.vn/exchange/edxml/")
    peer_agency.installation = Installation.objects.get()
    peer_agency.save()
    posted = answers(monkeypatch, transport.Answer("delivered", "200 received"))
    outgoing = approved(specialist, leader, to_agency(peer_agency))
    with django_capture_on_commit_callbacks(execute=True):
        services.outgoing_issue(membership=clerk, outgoing=outgoing)
    delivery = outgoing.deliveries.get()
    assert delivery.channel == Delivery.Channel.PEER and delivery.status == Delivery.Status.SENT
    assert len(posted) == 1


# --- statuses sent back by the receiving side -------------------------------------------------------------------

def test_the_sender_hears_each_status_once(client, envelope_from_peer, agency, peer, peer_agency, peer_clerk,
                                           monkeypatch, django_capture_on_commit_callbacks):
    demo.issue_certificate(peer_agency)
    posted = answers(monkeypatch, transport.Answer("delivered", "200 received"))
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, envelope_from_peer)[0] == 200
    incoming = Incoming.objects.get(agency=peer_agency)
    with django_capture_on_commit_callbacks(execute=True):
        incoming_services.incoming_register(membership=peer_clerk, incoming=incoming)
    transport.status_queue(incoming, "03")  # the same status again: nothing more
    told = ExchangeMessage.objects.filter(direction="out", kind="status").order_by("pk")
    assert [(m.status_code, m.state, m.installation) for m in told] == [("01", "done", peer), ("03", "done", peer)]
    assert len(posted) == 2
    status = edxml.envelope_read(posted[1][0], trusted_pem=[certificate_pem(peer_agency)]).message
    assert (status.code, status.document_id, status.from_code, status.to_code) == (
        "03", incoming.edxml_document_id, peer_agency.code, agency.code)
    assert status.staff_name == peer_clerk.user.full_name


def test_an_incoming_document_imported_from_a_file_tells_no_one(issued, agency, peer_agency, peer_clerk, monkeypatch):
    posted = answers(monkeypatch, transport.Answer("delivered", "200 received"))
    data = sign(packages.outgoing_envelope(issued, to_agency=peer_agency), agency)
    incoming = packages.envelope_import(membership=peer_clerk, data=data)
    assert transport.status_queue(incoming, "01") is None
    assert not ExchangeMessage.objects.filter(direction="out").exists() and posted == []


# --- the POST itself, over TLS ------------------------------------------------------------------------------------

class _Receiver(http.server.BaseHTTPRequestHandler):
    answers = []

    def do_POST(self):  # noqa: N802 - the name http.server calls
        self.rfile.read(int(self.headers["Content-Length"]))
        status, body = self.answers.pop(0)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def tls_receiver(tmp_path):
    ca_pem, cert_path, key_path = tls_ca(tmp_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, ca_pem
    server.shutdown()
    server.server_close()


def test_the_post_verifies_tls_and_reads_the_receivers_answer(tls_receiver, settings):
    server, ca_pem = tls_receiver
    installation = Installation(name="Kon Tum", endpoint=f"https://127.0.0.1:{server.server_address[1]}/exchange/edxml/",
                                tls_ca_pem=ca_pem)
    _Receiver.answers[:] = [
        (200, {"result": "received"}), (200, {"result": "already_received"}),
        (400, {"result": "refused", "reason": "Gói tin không có chữ ký."}), (503, {}), (429, {"result": "refused"}),
    ]
    outcomes = [transport.envelope_post(installation, b"<x/>", "m-1") for _ in range(5)]
    assert [o.outcome for o in outcomes] == ["delivered", "delivered", "refused", "retry", "retry"]
    assert outcomes[2].text == "Hệ thống Kon Tum từ chối (HTTP 400): Gói tin không có chữ ký."
    assert outcomes[1].text == "Hệ thống Kon Tum đã có văn bản này từ lần gửi trước (HTTP 200, already_received)."
    # The clerk reads these as they are (not as a mail server's reply).
    from documents.delivery_responses import response_sentence

    assert [response_sentence(o.text) for o in outcomes] == [o.text for o in outcomes]
    # Without the installation's CA the receiver's certificate is not trusted: nothing is sent, it is tried later.
    installation.tls_ca_pem = ""
    untrusted = transport.envelope_post(installation, b"<x/>", "m-1")
    assert untrusted.outcome == "retry" and "CERTIFICATE_VERIFY_FAILED" in untrusted.text
    installation.endpoint = installation.endpoint.replace("https://", "http://")
    assert transport.envelope_post(installation, b"<x/>", "m-1").outcome == "retry"


# --- recovery and the admin's resend --------------------------------------------------------------------------

def test_a_status_whose_worker_died_or_that_failed_goes_out_again(client, envelope_from_peer, peer, peer_agency,
                                                                    monkeypatch, settings,
                                                                    django_capture_on_commit_callbacks):
    from django.test import Client

    from accounts.models import User
    from exchange.tasks import messages_recover
    from tests.conftest import login

    root = User.objects.create_superuser("root@portal.gov.vn", "Quản-trị-2026!", full_name="Quản trị cổng")
    factories.totp_enable(root)  # /admin/ wants a session that passed two-factor
    admin_client = login(Client(), root)

    demo.issue_certificate(peer_agency)
    settings.DELIVERY_MAX_ATTEMPTS = 1
    posted = answers(monkeypatch, transport.Answer("retry", "503"), transport.Answer("delivered", "200 received"))
    with django_capture_on_commit_callbacks(execute=True):
        post(client, envelope_from_peer)
    told = ExchangeMessage.objects.get(direction="out", kind="status")
    assert told.state == "failed" and len(posted) == 1
    # A worker died holding it: recovery gives it back after the POST's timeouts and queues it.
    ExchangeMessage.objects.filter(pk=told.pk).update(
        state="sending", claimed_at=timezone.now() - datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert messages_recover() == 1
    told.refresh_from_db()
    assert told.state == "done" and len(posted) == 2 and posted[0] == posted[1]
    # The admin sends a failed one again, with the same id.
    ExchangeMessage.objects.filter(pk=told.pk).update(state="refused")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/exchange/exchangemessage/", {
            "action": "resend", "_selected_action": [told.pk]})
    assert response.status_code == 302
    told.refresh_from_db()
    assert told.state == "done" and len(posted) == 3 and posted[2][1] == told.message_id


# --- recall, update, replace between installations -----------------------------------------------------------------

def test_a_recall_goes_to_the_peer_recipient_once_and_the_notice_says_sent(sent_to_peer, issued, clerk, monkeypatch,
                                                                          django_capture_on_commit_callbacks):
    from documents.models import Revision, RevisionNotice

    delivery, installation, _posted = sent_to_peer
    posted = answers(monkeypatch, transport.Answer("delivered", "200 received"))
    revision = Revision.objects.create(outgoing=issued, kind="1", reason="Ban hành nhầm", state="sent",
                                       requested_by=clerk.user)
    notice = RevisionNotice.objects.create(revision=revision, delivery=delivery)
    with django_capture_on_commit_callbacks(execute=True):
        transport.revision_queue(revision)
    with django_capture_on_commit_callbacks(execute=True):
        assert transport.revision_queue(revision) == []  # told once
    notice.refresh_from_db()
    assert notice.sending == "sent" and notice.message_id and len(posted) == 1
    recall = edxml.envelope_read(posted[0][0], trusted_pem=[certificate_pem(issued.agency)]).message
    document_id = ExchangeMessage.objects.get(direction="out", business="0").document_id
    assert (recall.business, recall.business_document_id, recall.business_reason) == ("1", document_id,
                                                                                      "Ban hành nhầm")
    assert recall.attachments == [] and recall.message_id == notice.message_id


def test_a_replacement_arrives_with_its_new_document_and_asks_the_clerk(client, envelope_from_peer, issued, agency,
                                                                         specialist, leader, clerk, peer_agency,
                                                                         django_capture_on_commit_callbacks):
    from documents.models import IncomingRevision, Revision

    assert post(client, envelope_from_peer)[0] == 200
    first = Incoming.objects.get(agency=peer_agency)
    new = approved(specialist, leader, to_agency(peer_agency), summary="V/v thay thế văn bản thử nghiệm")
    with django_capture_on_commit_callbacks(execute=True):
        new = services.outgoing_issue(membership=clerk, outgoing=new)
    revision = Revision.objects.create(outgoing=issued, kind="3", reason="Sai số liệu", replacement=new, state="sent",
                                       requested_by=clerk.user)
    data = sign(packages.outgoing_envelope(new, to_agency=peer_agency, business="3", revision=revision), agency)
    assert post(client, data)[1]["result"] == "received"
    assert post(client, data)[1]["result"] == "already_received"
    replacement = Incoming.objects.get(agency=peer_agency, summary="V/v thay thế văn bản thử nghiệm")
    asked = IncomingRevision.objects.get()
    assert (asked.incoming, asked.kind, asked.reason, asked.replacement) == (first, "3", "Sai số liệu", replacement)
    assert asked.replacement_notation == new.notation and asked.state == "open"


def test_a_recall_that_overtakes_its_document_is_answered_too_early_and_retried(client, issued, agency, peer_agency,
                                                                               peer, clerk):
    from documents.models import Revision

    revision = Revision.objects.create(outgoing=issued, kind="1", reason="Ban hành nhầm", state="sent",
                                       requested_by=clerk.user)
    recall = sign(packages.outgoing_envelope(issued, to_agency=peer_agency, business="1", revision=revision), agency)
    document = sign(packages.outgoing_envelope(issued, to_agency=peer_agency), agency)
    agency.installation = peer
    agency.save()
    status, answer = post(client, recall)
    assert status == 425 and "gửi lại sau" in answer["reason"]
    assert post(client, document)[1]["result"] == "received"
    assert post(client, recall)[1]["result"] == "received"  # the same message, now that its document is here
    assert Incoming.objects.get(agency=peer_agency).revisions.get().kind == "1"


def test_the_status_from_the_peer_shows_on_the_documents_page_as_an_in_portal_one(client, sent_to_peer, peer_agency,
                                                                                  clerk, issued):
    from django.test import Client

    from tests.conftest import login

    delivery, _installation, _posted = sent_to_peer
    document_id = ExchangeMessage.objects.get(direction="out", delivery=delivery).document_id
    post(client, status_from(peer_agency, document_id, "02", reason="Không thuộc thẩm quyền"))
    page = login(Client(), clerk.user).get(reverse("deliveries_panel", args=[issued.pk])).content.decode()
    row = page.split(f'data-delivery="{delivery.pk}"')[1].split("</tr>")[0]
    assert 'data-testid="edxml-code">02</abbr> · Từ chối: Không thuộc thẩm quyền' in row


# --- setting up a peer from the command line ---------------------------------------------------------------------

def test_exchange_peer_sets_up_an_installation_and_the_agencies_it_serves(tmp_path, agency, certified, other_agency):
    from django.core.management import CommandError, call_command

    signing = tmp_path / "signing.pem"
    signing.write_text(certificate_pem(agency))
    ca_pem, _cert, key_path = tls_ca(tmp_path)
    (tmp_path / "ca.pem").write_text(ca_pem)
    call_command("exchange_peer", "quang-ngai", "--name", "Hệ thống của tỉnh Quảng Ngãi", "--endpoint",
                 "https://vanban.quangngai.gov.vn/exchange/edxml/", "--signing-certificates", str(signing),
                 "--tls-ca", str(tmp_path / "ca.pem"), "--rate", "30", "--agency", other_agency.code)
    installation = Installation.objects.get(code="quang-ngai")
    assert (installation.rate_limit_per_minute, installation.tls_ca_pem.strip(), installation.is_active) == (
        30, ca_pem.strip(), True)
    other_agency.refresh_from_db()
    assert other_agency.installation == installation
    # The admin form's checks: plain HTTP, a private key, an agency not in the directory change nothing.
    with pytest.raises(CommandError, match="HTTPS"):
        call_command("exchange_peer", "quang-ngai", "--name", "X", "--endpoint", "http://x.gov.vn/exchange/edxml/",
                     "--signing-certificates", str(signing))
    with pytest.raises(CommandError, match="khóa bí mật"):
        call_command("exchange_peer", "quang-ngai", "--name", "X", "--endpoint", "https://x.gov.vn/exchange/edxml/",
                     "--signing-certificates", str(key_path))
    with pytest.raises(CommandError, match="000.00.00.Z99"):
        call_command("exchange_peer", "quang-ngai", "--name", "X", "--endpoint", "https://x.gov.vn/exchange/edxml/",
                     "--signing-certificates", str(signing), "--agency", "000.00.00.Z99")
    installation.refresh_from_db()
    assert installation.name == "Hệ thống của tỉnh Quảng Ngãi"


def test_a_large_envelope_is_read_by_the_receiver_not_refused_by_the_form_limits(client, envelope_from_peer):
    """Django's DATA_UPLOAD_MAX_MEMORY_SIZE (10 MB) is for forms: the receiver reads the body itself, up to
    EXCHANGE_MAX_ENVELOPE_BYTES, and judges it as an envelope."""
    status, answer = post(client, b"<?xml version='1.0'?><x>" + b"a" * (11 * 1024 * 1024) + b"</x>")
    assert status == 400 and answer["result"] == "refused" and "edXML" in answer["reason"]


@pytest.mark.django_db(transaction=True)
def test_the_same_document_posted_twice_at_the_same_moment_arrives_once(envelope_from_peer, issued, peer_agency):
    from django.db import connections
    from django.test import Client

    again = edxml.envelope_read(envelope_from_peer, trusted_pem=None).message
    again.message_id = "the-same-document-under-another-id"
    envelopes = [envelope_from_peer, envelope_from_peer, sign(again, issued.agency)]
    start, answers_ = threading.Barrier(len(envelopes)), []

    def send(data):
        start.wait()
        try:
            answers_.append(post(Client(), data))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(data,)) for data in envelopes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(status for status, _answer in answers_) == [200, 200, 200]
    assert sorted(answer["result"] for _status, answer in answers_) == [
        "already_received", "already_received", "received"]
    assert Incoming.objects.filter(agency=peer_agency).count() == 1
    assert ExchangeMessage.objects.filter(direction="in", state="done").count() == 2
