"""Issue 17: the incidents table's page written from IncidentTable.page_cells (each value read by its attribute, the
resolution's template on the row) gives the cells django-tables2's own rows give, open or resolved, with or without
the resolve form."""

import pytest
from django.template import Context
from django.test import RequestFactory
from django.utils import timezone

from core.paging import BoundedPaginator
from documents.incidents import incident_delivery_failed
from documents.models import Delivery
from incidents.models import Incident
from reports import paging, selectors
from reports.tables import IncidentTable
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("may_resolve", [True, False])
def test_the_incident_page_cells_are_those_of_django_tables2s_rows(province, may_resolve):
    clerk = factories.make_member(province["p"], "clerk", unit=province["u1"], position="Văn thư")
    for delivery in Delivery.objects.filter(outgoing__in=[province["o1"], province["o2"]]):
        incident_delivery_failed(delivery.pk, f"550 <{delivery.email}> từ chối")
    resolved = Incident.objects.filter(agency=province["p"]).order_by("pk").first()
    Incident.objects.filter(pk=resolved.pk).update(resolved_at=timezone.now(), resolution="Gửi lại <bản giấy>",
                                                   resolved_by=clerk.user)
    request = RequestFactory().get("/reports/traffic/", {"page": 1})

    def table():  # a fresh one each time: a table numbers its rows (odd, even) across every walk over them
        made = IncidentTable(selectors.incident_list(membership=clerk))
        made.paginate(BoundedPaginator, page=1, per_page=25, limit=paging.COUNT_LIMIT)
        made.context = Context({"may_resolve": may_resolve, "request": request, "csrf_token": "token"})
        return made

    expected = [(row.attrs.as_html(), list(row)) for row in table().paginated_rows]
    assert len(expected) >= 3
    cells = [cell for _attrs, row in expected for cell in row]
    assert "—" in cells and any("Gửi lại &lt;bản giấy&gt;" in str(cell) for cell in cells)
    assert any("data-testid=\"resolve-" in str(cell) for cell in cells) is may_resolve
    assert table().page_cells == expected
