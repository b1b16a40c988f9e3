"""The CSC API v2 test service (devtools.csc_server) and the portal's CSC adapter against it."""

import base64

import pytest

from pki import demo
from pki.models import RemoteSigningRequest
from pki.remote import csc, services
from pki.remote.base import Outcome, RemoteRejected
from tests.csc import (
    CLIENT_ID,
    CLIENT_SECRET,
    CscServer,
    csc_server_fixture,  # noqa: F401 - the csc_server fixture
)

from .test_remote import enrol, start


def _basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def _token(server):
    return server.call("/csc/v2/auth/login", {}, _basic(CLIENT_ID, CLIENT_SECRET))[1]["access_token"]


def test_the_service_refuses_in_csc_terms(csc_server):
    assert csc_server.call("/csc/v2/auth/login", {}, _basic(CLIENT_ID, "wrong")) == (
        401, {"error": "invalid_client", "error_description": "Invalid client credentials"})
    status, answer = csc_server.call("/csc/v2/credentials/list", {"userID": "x"})
    assert (status, answer["error"]) == (401, "invalid_token")
    bearer = {"Authorization": f"Bearer {_token(csc_server)}"}
    status, answer = csc_server.call("/csc/v2/credentials/info", {"credentialID": "nope"}, bearer)
    assert (status, answer["error"]) == (400, "invalid_request")


def test_only_asynchronous_signing_with_a_well_formed_hash(csc_server, leader):
    record, _ = enrol(csc_server, leader)
    bearer = {"Authorization": f"Bearer {_token(csc_server)}"}
    body = {"credentialID": record.remote_credential_id, "hashes": [base64.b64encode(bytes(32)).decode()],
            "hashAlgorithmOID": csc.HASH_OIDS["sha256"], "signAlgo": csc.RSA_ENCRYPTION}
    status, answer = csc_server.call("/csc/v2/signatures/signHash", body, bearer)
    assert status == 400 and "operationMode A" in answer["error_description"]
    short = {**body, "operationMode": "A", "hashes": [base64.b64encode(bytes(20)).decode()]}
    assert csc_server.call("/csc/v2/signatures/signHash", short, bearer)[0] == 400
    status, answer = csc_server.call("/csc/v2/signatures/signHash", {**body, "operationMode": "A"}, bearer)
    assert status == 200 and answer["responseID"]
    provider = services.provider_for("csc")
    assert provider.poll(answer["responseID"]).outcome == Outcome.PENDING


def test_credentials_survive_a_restart_of_the_service(csc_server, leader, settings):
    record, _ = enrol(csc_server, leader)
    csc_server.stop()
    again = CscServer(csc_server.state_dir)
    again.start()
    try:
        settings.REMOTE_SIGNING_PROVIDERS = {"csc": again.provider}
        provider = services.provider_for("csc")
        assert provider.credentials("lanh.dao@moha.gov.vn") == [record.remote_credential_id]
        assert provider.credential_info(record.remote_credential_id).certificates[0] == (
            demo.x509.load_pem_x509_certificate(record.certificate_pem.encode()).public_bytes(
                demo.serialization.Encoding.DER))
    finally:
        again.stop()


def test_wrong_client_credentials_refuse_to_start_in_vietnamese(csc_server, leader, settings):
    record, _ = enrol(csc_server, leader)
    settings.REMOTE_SIGNING_PROVIDERS = {"csc": {**csc_server.provider, "client_secret": "wrong"}}
    csc._tokens.clear()
    with pytest.raises(RemoteRejected) as refused:
        start(record)
    assert "Dịch vụ ký số từ xa từ chối yêu cầu ký" in str(refused.value)
    assert "Invalid client credentials" in refused.value.detail
    assert not RemoteSigningRequest.objects.exists()


def test_a_provider_not_configured_is_said_so(leader, settings, csc_server):
    record, _ = enrol(csc_server, leader)
    settings.REMOTE_SIGNING_PROVIDERS = {}
    with pytest.raises(services.RemoteNotConfigured):
        start(record)
    assert not RemoteSigningRequest.objects.exists()
