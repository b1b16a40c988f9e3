"""Pages that stay bounded however many documents there are (issue 17): bounded counts, a 404 past the last page,
the delivery card without a query per delivery, the desk's bounded lists, register exports streamed and a big
register's PDF made by a worker with its progress shown."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import paging as pagination
from documents import selectors
from documents.models import Delivery, Outgoing
from documents.services import outgoing as services
from documents.views import registers as register_views
from public_site.models import Download
from tests.documents.conftest import approved, to_agency

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(certified, specialist, leader, clerk, other_agency):
    documents = [services.outgoing_issue(membership=clerk, outgoing=approved(
        specialist, leader, to_agency(other_agency), summary=f"V/v số {n}")) for n in range(3)]
    return documents


def test_the_list_says_how_many_and_a_page_past_the_last_is_a_404(client_for, clerk, issued):
    client = client_for(clerk)
    page = client.get("/outgoing/").content.decode()
    assert 'data-testid="list-count">3 văn bản' in page
    assert client.get("/outgoing/?page=2").status_code == 404
    assert client.get("/outgoing/?page=abc").status_code == 404
    assert client.get("/incoming/?page=9").status_code == 404
    assert client.get("/registers/outgoing/?page=5").status_code == 404


def test_past_the_limit_the_count_stops_and_says_more(client_for, clerk, issued, monkeypatch):
    monkeypatch.setattr(pagination.BoundedPaginator, "limit", 2)
    client = client_for(clerk)
    page = client.get("/outgoing/").content.decode()
    assert "Hơn 2 văn bản" in page
    # Two of the three rows are within reach on the first page of 25; no page beyond the counted ones.
    assert client.get("/outgoing/?page=2").status_code == 404


def test_bounded_count_reads_at_most_the_limit(issued):
    assert pagination.bounded_count(Outgoing.objects.all(), 2) == (2, True)
    assert pagination.bounded_count(Outgoing.objects.all(), 3) == (3, False)
    with CaptureQueriesContext(connection) as queries:
        pagination.bounded_count(Outgoing.objects.all(), 2)
    assert "LIMIT 3" in queries.captured_queries[0]["sql"]


def _citizen_deliveries(outgoing, n, start=0):
    rows = Delivery.objects.bulk_create([
        Delivery(outgoing=outgoing, channel=Delivery.Channel.EMAIL, name=f"Công dân {i}",
                 email=f"cong.dan{i}@example.com", is_citizen=True, lookup_code=f"C{outgoing.pk:04d}{i:07d}",
                 status=Delivery.Status.SENT) for i in range(start, start + n)])
    Download.objects.bulk_create([Download(delivery=d, by=Download.By.CITIZEN) for d in rows])
    return rows


def _panel_queries(client, outgoing):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/outgoing/{outgoing.pk}/deliveries/")
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_delivery_card_costs_the_same_queries_for_5_or_60_deliveries(client_for, clerk, issued):
    outgoing = issued[0]
    client = client_for(clerk)
    _citizen_deliveries(outgoing, 5)
    few, page = _panel_queries(client, outgoing)
    assert page.count('data-testid="download-count">1<') == 5
    _citizen_deliveries(outgoing, 55, start=5)
    many, page = _panel_queries(client, outgoing)
    # A page of rows (documents.selectors.DELIVERIES_PER_PAGE), the rest a page away.
    assert page.count("<tr data-delivery=") == selectors.DELIVERIES_PER_PAGE == 50
    rest = client.get(f"/outgoing/{outgoing.pk}/deliveries/?delivery_page=2").content.decode()
    assert (page + rest).count('data-testid="download-count">1<') == 60
    assert many == few


def test_the_desk_lists_the_latest_failed_deliveries_and_counts_them(client_for, clerk, issued):
    outgoing = issued[0]
    Delivery.objects.bulk_create([
        Delivery(outgoing=outgoing, channel=Delivery.Channel.EMAIL, name=f"Nơi nhận {i}",
                 email=f"noi.nhan{i}@example.com", status=Delivery.Status.FAILED) for i in range(25)])
    page = client_for(clerk).get("/dashboard/").content.decode()
    assert 'data-testid="count-failed">20+<' in page
    assert page.count("(Gửi không thành công)") == 20


def test_register_exports_are_streamed(client_for, clerk, issued):
    client = client_for(clerk)
    xlsx = client.get("/registers/outgoing/?export=xlsx")
    pdf = client.get("/registers/outgoing/?export=pdf")
    assert xlsx.streaming and pdf.streaming
    assert xlsx.getvalue()[:2] == b"PK" and pdf.getvalue().startswith(b"%PDF")
    assert 'filename="so-van-ban-di-' in pdf["Content-Disposition"]


def test_a_big_register_pdf_is_made_by_a_worker_with_its_progress_shown(client_for, clerk, leader, issued,
                                                                        monkeypatch):
    monkeypatch.setattr(register_views, "PDF_INLINE_ROWS", 1)
    client = client_for(clerk)
    response = client.get("/registers/outgoing/?export=pdf")
    assert response.status_code == 302 and "/registers/pdf/" in response.url
    page = client.get(response.url).content.decode()
    assert "Đã xếp 3/3 văn bản" in page and 'data-testid="register-pdf-download"' in page
    assert "hx-trigger" not in page
    fragment = client.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div class="card card-body" data-testid="register-pdf-progress"')
    file = client.get(response.url + "file/")
    assert file.getvalue().startswith(b"%PDF")
    # Somebody else's job is nobody else's business.
    assert client_for(leader).get(response.url).status_code == 404


def test_a_made_register_pdf_is_deleted_once_its_job_expired(settings, tmp_path):
    import datetime

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from documents import register_exports

    default_storage.save("exports/abc.pdf", ContentFile(b"%PDF-1.4"))
    default_storage.save("exports/keep.txt", ContentFile(b"not a job's file"))
    assert register_exports.pdf_files_purge() == 0  # still within its job's lifetime
    later = timezone.now() + datetime.timedelta(seconds=register_exports.PDF_JOB_SECONDS + 60)
    assert register_exports.pdf_files_purge(now=later) == 1
    assert not default_storage.exists("exports/abc.pdf") and default_storage.exists("exports/keep.txt")


def test_the_document_page_costs_the_same_queries_for_5_or_60_deliveries(client_for, clerk, issued):
    outgoing = issued[1]
    client = client_for(clerk)
    _citizen_deliveries(outgoing, 5)
    client.get(f"/outgoing/{outgoing.pk}/")  # the session's and caches' first reads
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/outgoing/{outgoing.pk}/").status_code == 200
    _citizen_deliveries(outgoing, 55, start=5)
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/outgoing/{outgoing.pk}/").status_code == 200
    assert len(many) <= len(few)
