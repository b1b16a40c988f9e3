"""Mapping, dismissing and reopening a pasted “Nơi nhận” line are events of the draft's history: who, the
line as pasted, the recipient it became (or left) and the reason, shown on the draft's page."""

import re
from html import unescape

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from documents import workflow
from documents.models import OutgoingEvent, Recipient
from documents.services import outgoing as services
from tests import factories
from tests.documents.conftest import make_draft

pytestmark = pytest.mark.django_db
A = OutgoingEvent.Action

BLOCK = """Nơi nhận:
- Ban Quản lý Khu kinh tế Dung Quất;
- Ông Nguyễn Văn Dân (hồ sơ 123/HS);
- Báo Nhân Dân (để đưa tin);
"""
DUNGQUAT, DAN, BAO = "Ban Quản lý Khu kinh tế Dung Quất", "Ông Nguyễn Văn Dân (hồ sơ 123/HS)", "Báo Nhân Dân (để đưa tin)"


def _pasted(specialist, leader):
    outgoing = make_draft(specialist, leader)
    services.recipients_paste(membership=specialist, outgoing=outgoing, text=BLOCK)
    return outgoing


def _line_events(outgoing):
    return list(outgoing.events.filter(action__startswith="line_").values_list(
        "action", "actor", "line", "recipient_kind", "recipient_label", "comment"))


def _history(page):
    """The history list's entries as text, one per event."""
    block = page.split('data-testid="history"', 1)[1].split("</ol>", 1)[0]
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", item)).split())
            for item in re.findall(r"<li[^>]*>(.*?)</li>", block, re.S)]


def test_every_line_move_is_an_event_kind_sharing_its_label():
    assert {move.event for move in workflow.LINE_MOVES.values()} == {A.LINE_MAP, A.LINE_DISMISS, A.LINE_REOPEN}
    assert workflow.LINE_MOVES["map"].event.label == "Ghép dòng “Nơi nhận” với nơi nhận"


def test_mapping_dismissing_and_reopening_a_line_are_recorded_with_who_what_and_why(specialist, leader, clerk):
    outgoing = _pasted(specialist, leader)
    dungquat = factories.make_agency(DUNGQUAT, code="000.00.20.H55")
    services.recipient_line_map(membership=specialist, line=outgoing.unresolved_lines.get(text=DUNGQUAT),
                                kind=Recipient.Kind.AGENCY, agency=dungquat)
    citizen = services.recipient_line_map(membership=clerk, line=outgoing.unresolved_lines.get(text=DAN),
                                          kind=Recipient.Kind.CITIZEN, name="Nguyễn Văn Dân",
                                          email="dan@example.com", dossier="123/HS")
    services.recipient_line_dismiss(membership=specialist, line=outgoing.unresolved_lines.get(text=BAO),
                                    reason="Báo tự lấy tin trên cổng")
    services.recipient_remove(membership=clerk, recipient=citizen)

    assert _line_events(outgoing) == [
        (A.LINE_MAP, specialist.user.pk, DUNGQUAT, "agency", DUNGQUAT, ""),
        (A.LINE_MAP, clerk.user.pk, DAN, "citizen", "Nguyễn Văn Dân <dan@example.com>", ""),
        (A.LINE_DISMISS, specialist.user.pk, BAO, "", "", "Báo tự lấy tin trên cổng"),
        (A.LINE_REOPEN, clerk.user.pk, DAN, "citizen", "Nguyễn Văn Dân <dan@example.com>", ""),
    ]
    assert set(outgoing.events.filter(action__startswith="line_").values_list("from_status", "to_status")) == {
        ("draft", "draft")}


def test_a_refused_move_records_nothing(specialist, leader, other_agency):
    outgoing = _pasted(specialist, leader)
    line = outgoing.unresolved_lines.get(text=BAO)
    with pytest.raises(PermissionDenied):
        services.recipient_line_dismiss(membership=leader, line=line, reason="Không cần")
    with pytest.raises(ValidationError):
        services.recipient_line_dismiss(membership=specialist, line=line, reason="  ")
    services.recipient_line_dismiss(membership=specialist, line=line, reason="Trùng")
    with pytest.raises(ValidationError, match="đã được xử lý"):
        services.recipient_line_map(membership=specialist, line=line, kind=Recipient.Kind.AGENCY, agency=other_agency)
    assert [event[0] for event in _line_events(outgoing)] == [A.LINE_DISMISS]


def test_the_draft_page_shows_the_line_moves_in_its_history(client_for, specialist, leader, clerk):
    for member, name in ((specialist, "Trần Thị Soạn"), (clerk, "Lê Văn Thư")):
        member.user.full_name = name
        member.user.save(update_fields=["full_name"])
    outgoing = _pasted(specialist, leader)
    paper = services.recipient_line_map(membership=specialist, line=outgoing.unresolved_lines.get(text=BAO),
                                        kind=Recipient.Kind.PAPER, name="Báo Nhân Dân")
    dan = outgoing.unresolved_lines.get(text=DAN)
    assert client_for(leader).post(f"/outgoing/{outgoing.pk}/recipients/lines/{dan.pk}/dismiss/",
                                   {"reason": "Không cần"}).status_code == 403
    client_for(specialist).post(f"/outgoing/{outgoing.pk}/recipients/lines/{dan.pk}/dismiss/",
                                {"reason": "Đã trả lời trực tiếp tại bộ phận một cửa"})
    client_for(clerk).post(f"/outgoing/{outgoing.pk}/recipients/{paper.pk}/remove/")

    for member in (specialist, leader, clerk):  # the drafter, the signer and the clerk read the same history
        history = _history(client_for(member).get(f"/outgoing/{outgoing.pk}/").content.decode())
        assert len(history) == 4
        assert [entry.split(" · ")[0] for entry in history[1:]] == ["Trần Thị Soạn", "Trần Thị Soạn", "Lê Văn Thư"]
        assert history[1].endswith(
            f"Ghép dòng “Nơi nhận” với nơi nhận: “{BAO}” — Chỉ gửi bản giấy: Báo Nhân Dân")
        assert history[2].endswith(
            f"Bỏ qua dòng “Nơi nhận”, có lý do: “{DAN}” “Đã trả lời trực tiếp tại bộ phận một cửa”")
        assert history[3].endswith(
            f"Mở lại dòng “Nơi nhận” (đã bỏ nơi nhận được ghép): “{BAO}” — Chỉ gửi bản giấy: Báo Nhân Dân")

