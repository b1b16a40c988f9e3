"""`__any_of` (core.lookups): the same rows as `__in`, given to PostgreSQL as one array parameter."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import core.lookups  # noqa: F401 - registers __any_of
from agencies.models import Agency, Unit
from tests import factories

pytestmark = pytest.mark.django_db


def test_any_of_finds_what_in_finds_with_one_parameter():
    agencies = [factories.make_agency(f"Sở thử {n}") for n in range(5)]
    units = [Unit.objects.create(agency=agency, name=f"Phòng {n}") for n, agency in enumerate(agencies)]
    ids = [agencies[0].pk, agencies[3].pk, 10**12]
    with CaptureQueriesContext(connection) as queries:
        found = sorted(Agency.objects.filter(pk__any_of=ids).values_list("pk", flat=True))
        # A foreign key, across a join too.
        by_unit = sorted(Unit.objects.filter(agency_id__any_of=ids).values_list("pk", flat=True))
        joined = sorted(Unit.objects.filter(agency__pk__any_of=ids).values_list("pk", flat=True))
    assert found == sorted(Agency.objects.filter(pk__in=ids).values_list("pk", flat=True)) == [agencies[0].pk, agencies[3].pk]
    assert by_unit == joined == [units[0].pk, units[3].pk]
    assert all("= ANY(" in q["sql"] and " IN (" not in q["sql"] for q in queries.captured_queries)
    assert list(Agency.objects.filter(pk__any_of=[])) == []
