"""Schemathesis against the schema the portal publishes at /api/schema/: every operation, with data made from the
schema (valid and invalid), answers without a server error and exactly as the schema says (status, content type,
headers, body). Examples are bounded so the whole run stays well under a minute."""

import pytest
import schemathesis
from django.core import signals
from django.core.files.base import ContentFile
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.models import ApiTokenUse

from .conftest import arrived, bearer, make_draft, pdf_bytes, to_agency

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection]


@pytest.fixture
def api_key(db, agency, unit, clerk, leader, specialist, other_agency, settings):
    """A write token of a clerk who is also a specialist (so drafting and registering both get through), with a
    draft and an arrived document in the agency so that lists are not empty."""
    from api.services import token_issue
    from tests import factories

    settings.API_TOKEN_RATE = "100000/min"
    clerk.is_specialist = True
    clerk.save(update_fields=["is_specialist"])
    draft, incoming = make_draft(clerk, leader, to_agency(other_agency)), arrived(agency)
    scan = incoming.files.create(kind="main", name="scan.pdf", file=ContentFile(pdf_bytes(), name="scan.pdf"))
    ids = {"outgoing": {"id": draft.pk, "file_id": draft.files.get().pk},
           "incoming": {"id": incoming.pk, "file_id": scan.pk}}
    admin = factories.make_member(agency, "admin", unit=unit)
    return token_issue(admin=admin, name="Schemathesis", scope="write", member=clerk)[1], ids


@pytest.fixture
def published_schema(db):
    """Loaded over WSGI from the portal's own URL. As Django's test client does, the request signals leave the
    test's database connection (and its transaction) open."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


# Per operation and generation mode; derandomized, so a run is repeatable and its length known.
EXAMPLES = 12


def test_every_operation_answers_as_the_published_schema_says(published_schema, api_key):
    key, ids = api_key
    authorization = bearer(key)["HTTP_AUTHORIZATION"]
    operations = [result.ok() for result in published_schema.get_all_operations()]
    assert len(operations) == 11
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            # Valid requests name documents that exist, so that their answers are checked too, not only 404s.
            known = ({name: value for name, value in ids[operation.path.split("/")[3]].items()
                      if f"{{{name}}}" in operation.path} if "{id}" in operation.path else None)
            if mode == GenerationMode.NEGATIVE:
                known = None

            @given(case=operation.as_strategy(generation_mode=mode, path_parameters=known))
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def answers_as_published(case):
                response = case.call(headers={"Authorization": authorization})
                case.validate_response(response, checks=CHECKS)

            answers_as_published()
    # The run made real calls, and answered with content, not only refusals (each call is in the use log).
    answered = ApiTokenUse.objects.filter(status=200)
    assert {use.path.split("/")[3] for use in answered} == {"outgoing", "incoming", "directory"}
    assert ApiTokenUse.objects.count() > 100


def test_the_schema_is_published_and_names_the_token_scheme(client):
    published = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert published["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "http", "scheme": "bearer", "description": "Mã truy cập do quản trị cơ quan cấp (docs/api.md)."}
    assert {"/api/v1/outgoing/", "/api/v1/incoming/paper/", "/api/v1/directory/"} <= set(published["paths"])


def test_drf_spectacular_private_methods_api_schema_overrides_are_still_there():
    """api.schema.ApiSchema adds the refusals to every operation through these (no public hook for it)."""
    import inspect
    from importlib.metadata import version

    from drf_spectacular.openapi import AutoSchema

    assert version("drf-spectacular") == "0.30.0", "re-check api/schema.py"
    assert list(inspect.signature(AutoSchema._get_response_bodies).parameters) == ["self", "direction"]
    assert list(inspect.signature(AutoSchema._get_response_for_code).parameters)[:3] == [
        "self", "serializer", "status_code"]
