"""Every filter bar is the form of the FilterSet its list's selector filters with (issue 13, one way to list and
filter): the page's FilterSet holds only what this person may see, never another agency's rows."""

import pytest
from django.core.files.base import ContentFile

from intake.models import InboundMessage, Mailbox
from tests import factories
from tests.reports import data

pytestmark = pytest.mark.django_db


@pytest.fixture
def province(db):
    return data.province()


@pytest.fixture
def clerk(province):
    return factories.make_member(province["p"], "clerk", unit=province["u1"], position="Văn thư")


def inbound(agency, subject, status=InboundMessage.Status.PENDING):
    mailbox = Mailbox.objects.filter(agency=agency).first() or Mailbox.objects.create(
        agency=agency, host="imap.example.gov.vn", port=143, username=f"vt@{agency.short_name.lower()}.gov.vn")
    message = InboundMessage(
        agency=agency, mailbox=mailbox, uidvalidity=1, uid=InboundMessage.objects.count() + 1,
        raw_sha256=f"{InboundMessage.objects.count() + 1:064d}", sender_name="Văn phòng",
        sender_email="vp@kontum.gov.vn", sender_is_official=True, subject=subject, body_text="x", status=status)
    message.raw.save("m.eml", ContentFile(b"Subject: x\r\n\r\nx"), save=False)
    message.save()
    return message


@pytest.mark.parametrize("url", ["/outgoing/", "/incoming/", "/registers/outgoing/", "/registers/incoming/"])
def test_a_document_list_takes_its_filter_bar_from_its_selectors_filterset(province, clerk, client_for, url):
    response = client_for(clerk).get(url, {"q": "", "year": 2026})
    assert response.status_code == 200
    filterset = response.context["filter"]
    agencies = set(filterset.queryset.values_list("agency_id", flat=True))
    assert agencies <= {province["p"].pk}  # the selector's scope, not every agency's documents
    if not url.startswith("/registers/"):  # the registers hold none of these (numbered without a register)
        assert agencies == {province["p"].pk}
    assert set(filterset.qs) <= set(filterset.queryset)
    assert "q" in filterset.form.fields and filterset.form.is_bound


def test_the_filter_bar_of_a_specialist_holds_only_what_they_may_open(province, client_for):
    specialist = factories.make_member(province["p"], "specialist", unit=province["u1"])
    filterset = client_for(specialist).get("/outgoing/").context["filter"]
    # Issued, not secret: o1, o2, o6; not the secret o3, not the leader's draft, nothing of another agency.
    assert set(filterset.queryset) == {province["o1"], province["o2"], province["o6"]}
    routed = client_for(specialist).get("/incoming/").context["filter"].queryset  # routed to their unit
    assert set(routed) == {province["i1"], province["i3"], province["i6"]}


def test_the_mailbox_list_takes_its_filter_bar_from_its_selectors_filterset(province, clerk, client_for):
    ours = inbound(province["p"], "Công văn của tỉnh")
    inbound(province["other"], "Công văn của tỉnh khác")
    response = client_for(clerk).get("/incoming/mailbox/", {"status": InboundMessage.Status.PENDING})
    filterset = response.context["filter"]
    assert list(filterset.queryset) == [ours] and list(filterset.qs) == [ours]
    html = response.content.decode()
    assert "Công văn của tỉnh" in html and "Công văn của tỉnh khác" not in html
    assert client_for(factories.make_member(province["p"], "leader")).get("/incoming/mailbox/").status_code in (403, 404)
