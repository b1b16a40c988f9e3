"""Exchanges with other installations and revisions of issued documents, over the small province of
tests/reports/data.py (the `exchange` fixture of tests/reports/conftest.py)."""

from agencies.models import Agency, Installation, Unit
from documents.models import Delivery, Revision, RevisionKind
from tests.reports import data

SENT, FAILED = Delivery.Status.SENT, Delivery.Status.FAILED


def peer_delivery(outgoing, agency, status, remote=""):
    return Delivery.objects.create(outgoing=outgoing, channel=Delivery.Channel.PEER, agency=agency, name=agency.name,
                                   status=status, remote_status=remote)


def revision(outgoing, kind, state, when, replacement=None):
    made = Revision.objects.create(outgoing=outgoing, kind=kind, reason="Sai sót", replacement=replacement,
                                   state=state, requested_by=outgoing.created_by)
    Revision.objects.filter(pk=made.pk).update(requested_at=when, decided_at=when if state == "sent" else None)
    return made


def exchange(province):
    """Two agencies of another installation; peer deliveries and peer incoming documents in H1 2026 and H2 2025;
    revisions of every kind and state."""
    p, c, other = province["p"], province["c"], province["other"]
    people = province["people"]
    installation = Installation.objects.create(code="bo-tai-chinh", name="Hệ thống văn bản Bộ Tài chính",
                                               endpoint="https://vanban.mof.gov.vn/exchange/edxml/",
                                               signing_certificates_pem="(chứng thư)")
    x = Agency.objects.create(code="000.00.00.G12", name="Bộ Tài chính", short_name="BTC",
                              official_email="vanthu@mof.gov.vn", installation=installation)
    y = Agency.objects.create(code="000.00.12.G12", name="Tổng cục Thuế", short_name="TCT",
                              official_email="vanthu@gdt.gov.vn", installation=installation)
    o10 = data.issued(p, province["u1"], people["p"], data.at(2026, 2, 20, 9))
    peer_delivery(o10, x, SENT, remote="05")
    peer_delivery(o10, y, FAILED)
    o11 = data.issued(c, province["cu"], people["c"], data.at(2026, 5, 10, 9))
    peer_delivery(o11, x, SENT, remote="01")
    o12 = data.issued(p, province["u1"], people["p"], data.at(2025, 9, 1, 9))  # the half-year before
    peer_delivery(o12, x, SENT, remote="06")
    o13 = data.issued(other, Unit.objects.get(agency=other), people["other"], data.at(2026, 3, 1, 9))  # elsewhere
    peer_delivery(o13, x, SENT)
    incoming = {
        "i10": data.arrived(p, data.at(2026, 3, 3, 8), "peer", sender="Bộ Tài chính"),
        "i11": data.arrived(c, data.at(2026, 4, 4, 8), "peer", sender="Bộ Tài chính"),
        "i12": data.arrived(p, data.at(2025, 12, 1, 8), "peer", sender="Bộ Tài chính"),
        "i13": data.arrived(other, data.at(2026, 3, 3, 8), "peer", sender="Bộ Tài chính"),
    }
    recall, update, replace = RevisionKind.RECALL, RevisionKind.UPDATE, RevisionKind.REPLACE
    revision(o10, recall, "sent", data.at(2026, 3, 1, 9))
    revision(province["o2"], update, "sent", data.at(2026, 4, 1, 9), replacement=province["o1"])
    revision(province["o4"], replace, "sent", data.at(2026, 5, 20, 9), replacement=o11)
    revision(province["o1"], recall, "declined", data.at(2026, 3, 10, 9))  # the signer said no
    revision(province["o8"], recall, "requested", data.at(2026, 4, 2, 9))  # waiting for the signer
    revision(province["o6"], recall, "sent", data.at(2025, 10, 5, 9))  # the half-year before
    revision(province["o9"], recall, "sent", data.at(2026, 3, 1, 9))  # another province's
    revision(province["o5"], recall, "sent", data.at(2026, 7, 2, 9))  # after the period
    return {"installation": installation, "x": x, "y": y, "o10": o10, "o11": o11, "o12": o12, "o13": o13,
            **incoming}
