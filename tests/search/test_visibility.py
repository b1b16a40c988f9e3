"""Search never returns, counts or shows a snippet of what the person may not open."""

import io

import openpyxl
import pytest
from django.urls import reverse

from documents.models import Assignment, Secrecy
from tests import factories

from .conftest import make_incoming, make_outgoing

pytestmark = pytest.mark.django_db


def xlsx_rows(content):
    """The data rows of a search export (after the title, the query and the header)."""
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(rows) if row and row[0] == "Loại")
    return rows[header + 1:]


def kinds_and_ids(membership, query):
    from search import selectors

    result = selectors.search(membership=membership, query_text=query)
    return {(entry.kind, entry.object_id) for entry in result.page.object_list}, result


def test_another_agencys_documents_are_never_found(staff, other_agency):
    outsider_clerk = factories.make_member(other_agency, "clerk")
    theirs = make_incoming(other_agency, "Phương án phòng chống lụt bão", text="lụt bão miền núi")
    mine = make_outgoing(staff, "Phương án phòng chống lụt bão")
    assert kinds_and_ids(staff["clerk"], "lut bao")[0] == {("outgoing", mine.pk)}
    assert kinds_and_ids(outsider_clerk, "lut bao")[0] == {("incoming", theirs.pk)}


def test_specialist_sees_only_what_the_selectors_give(staff, bnv):
    issued = make_outgoing(staff, "Hướng dẫn công tác văn thư")
    someone_elses_draft = make_outgoing(staff, "Dự thảo hướng dẫn công tác văn thư", status="draft")
    not_routed = make_incoming(bnv, "Hướng dẫn công tác văn thư của tỉnh")
    routed = make_incoming(bnv, "Hướng dẫn công tác văn thư năm 2026")
    Assignment.objects.create(incoming=routed, role=Assignment.Role.choices[0][0], member=staff["specialist"])
    found, result = kinds_and_ids(staff["specialist"], "cong tac van thu")
    assert found == {("outgoing", issued.pk), ("incoming", routed.pk)}
    assert ("outgoing", someone_elses_draft.pk) not in found and ("incoming", not_routed.pk) not in found
    counts = sum(option["count"] for facet in result.facets if facet["name"] == "kind" for option in facet["options"])
    assert counts == result.total == 2


def test_secret_documents_only_for_those_who_may_open_them(staff, bnv, client):
    secret = make_outgoing(staff, "Phương án Hoa Sen bảo vệ mục tiêu", secrecy=Secrecy.choices[1][0])
    secret_in = make_incoming(bnv, "Kế hoạch Hoa Sen", secrecy=Secrecy.choices[1][0], text="kho Hoa Sen trọng yếu")
    assert kinds_and_ids(staff["clerk"], "hoa sen")[0] == {("outgoing", secret.pk), ("incoming", secret_in.pk)}
    assert kinds_and_ids(staff["specialist"], "hoa sen")[0] == set()
    assert kinds_and_ids(staff["specialist"], "kho hoa sen trong yeu")[1].total == 0
    client.force_login(staff["specialist"].user)
    page = client.get(reverse("search"), {"q": "hoa sen"}).content.decode()
    assert "Hoa Sen" not in page.replace('value="hoa sen"', "") and "trọng yếu" not in page
    assert 'data-facet="secrecy"' not in page and 'data-testid="facet-count"' not in page
    export = client.get(reverse("search_export"), {"q": "hoa sen"})
    assert export.status_code == 200 and xlsx_rows(export.content) == []
    client.force_login(staff["clerk"].user)
    page = client.get(reverse("search"), {"q": "hoa sen"}).content.decode()
    assert "<mark>Hoa Sen</mark>" in page and 'data-facet="secrecy"' in page
    export = client.get(reverse("search_export"), {"q": "hoa sen"})
    assert sorted(row[4] for row in xlsx_rows(export.content)) == ["Kế hoạch Hoa Sen", "Phương án Hoa Sen bảo vệ mục tiêu"]


def test_mailbox_messages_only_for_clerks(staff, bnv):
    from search.indexing import SOURCES

    assert SOURCES["inbound"].visible(staff["specialist"]).count() == 0


def test_search_page_needs_a_staff_login(client, staff):
    assert client.get(reverse("search"), {"q": "x"}).status_code == 302
    client.force_login(factories.make_citizen())
    assert client.get(reverse("search"), {"q": "x"}).status_code == 403
