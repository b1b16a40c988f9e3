"""The traffic log filters through its FilterSet inside the selector (reports.selectors.traffic_list): each field
narrows both halves of the UNION the same way, the page's filter bar is that FilterSet's form, and no value shows
anything of another agency."""

import pytest

from documents.models import Incoming
from reports import selectors
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(province):
    return factories.make_member(province["p"], "clerk", unit=province["u1"], position="Văn thư")


def keys(rows):
    return sorted((row["log_direction"], row["log_outgoing"] or row["log_incoming"]) for row in rows)


def expected(province, *names):
    """(direction, pk) of every row the named documents make (an outgoing document: one per delivery)."""
    rows = []
    for name in names:
        document = province[name]
        if name.startswith("o"):
            rows += [("out", document.pk)] * document.deliveries.count()
        else:
            rows.append(("in", document.pk))
    return sorted(rows)


CASES = {
    "start": ({"start": "01/06/2026"}, ["i4"]),
    "end": ({"end": "31/10/2025"}, ["o6"]),
    # Whole days in Vietnam's time: 08:00 on 01/03 is 01:00 UTC, and the end day is included.
    "one day": ({"start": "01/03/2026", "end": "01/03/2026"}, ["i3"]),
    "direction out": ({"direction": "out"}, ["o1", "o2", "o3", "o6"]),
    "direction in": ({"direction": "in"}, ["i1", "i2", "i3", "i4", "i6"]),
    "channel": ({"channel": "paper"}, ["o3", "i3"]),
    "delivery status": ({"status": "failed"}, ["o2"]),
    "incoming status": ({"status": "05"}, ["i3"]),
    "counterpart address": ({"counterpart": "nhan2@vidu"}, ["o1"]),
    "counterpart name": ({"counterpart": "  BỘ NỘI  "}, ["i1", "i2", "i3", "i4", "i6"]),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_each_traffic_filter_narrows_the_log_through_the_selector(province, clerk, case):
    filters, names = CASES[case]
    rows = keys(selectors.traffic_list(membership=clerk, filters=filters))
    if case in ("channel", "delivery status", "counterpart address"):  # one delivery of the document, not all
        assert rows and set(rows) == set(expected(province, *names))
    else:
        assert rows == expected(province, *names)


def test_the_traffic_filters_combine_and_an_unbound_or_refused_filter_narrows_nothing(province, clerk):
    everything = keys(selectors.traffic_list(membership=clerk))
    assert everything == expected(province, "o1", "o2", "o3", "o6", "i1", "i2", "i3", "i4", "i6")
    both = keys(selectors.traffic_list(membership=clerk, filters={"direction": "in", "channel": "email",
                                                                   "start": "01/01/2026"}))
    assert both == expected(province, "i2")
    # A start after the end is refused by the form: the page says why and the log is not narrowed.
    assert keys(selectors.traffic_list(membership=clerk, filters={"start": "02/03/2026", "end": "01/03/2026"})) \
        == everything


OTHERS = ("o4", "o5", "o8", "o9", "i5", "i7")  # the child's, the sibling's, another province's


@pytest.mark.parametrize("filters", [
    {"start": "03/02/2026", "end": "03/02/2026"},  # i7, the other province's, arrived that day
    {"start": "01/07/2026"},  # o5, the child's
    {"counterpart": "Nơi nhận 0", "channel": "email", "direction": "out"},
    {"status": Incoming.Status.ARRIVED},
    {"status": "sent"},
    {"counterpart": "nhan0@vidu"},
], ids=["other-day", "child-day", "counterpart-name", "incoming-status", "delivery-status", "counterpart-address"])
def test_a_filter_value_another_agencys_row_would_match_shows_nothing_of_that_agency(province, clerk, filters):
    theirs = {key for name in OTHERS for key in expected(province, name)}
    assert not theirs & set(keys(selectors.traffic_list(membership=clerk, filters=filters)))
    # Their own clerks do find them with the same values: the filter itself would match.
    found = set()
    for agency in ("c", "s", "other"):
        member = factories.make_member(province[agency], "clerk")
        found |= set(keys(selectors.traffic_list(membership=member, filters=filters)))
    assert found & theirs


def test_a_value_only_another_agency_has_gives_an_empty_log(province, clerk):
    assert list(selectors.traffic_list(membership=clerk, filters={"start": "03/02/2026", "end": "03/02/2026"})) == []
    assert list(selectors.traffic_list(membership=clerk, filters={"start": "01/07/2026"})) == []


def test_who_may_not_see_the_log_gets_nothing_whatever_the_filter(province):
    specialist = factories.make_member(province["p"], "specialist", unit=province["u1"])
    for filters in (None, {"channel": "email"}, {"direction": "in"}):
        assert list(selectors.traffic_list(membership=specialist, filters=filters)) == []
    assert list(selectors.traffic_list(membership=None)) == []


def test_the_filter_bar_is_the_selectors_filterset_form(province, clerk, client_for):
    client = client_for(clerk)
    page = client.get("/reports/traffic/", {"start": "02/03/2026", "end": "01/03/2026"})
    html = page.content.decode()
    assert "Ngày bắt đầu phải trước ngày kết thúc." in html  # the form's error, from the FilterSet's form
    assert province["o6"].notation in html and province["i4"].notation in html  # and nothing narrowed
    assert page.context["form"] is not None and "counterpart" in page.context["form"].fields
    html = client.get("/reports/traffic/", {"status": "05"}).content.decode()
    assert '<optgroup label="Văn bản đến">' in html and '<option value="05" selected>' in html
    assert province["i3"].notation in html and province["i4"].notation not in html
    incidents = client.get("/reports/incidents/", {"start": "02/03/2026", "end": "01/03/2026"}).content.decode()
    assert "Ngày bắt đầu phải trước ngày kết thúc." in incidents
