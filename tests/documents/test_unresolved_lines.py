"""Pasted “Nơi nhận” lines that match nothing stay with the draft until mapped or dismissed with a reason,
and the draft is not submitted, approved or issued while one is open (Directive 34: every “Nơi nhận”)."""

import re
from html.parser import HTMLParser

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from documents.models import Delivery, Outgoing, Recipient, UnresolvedRecipientLine
from documents.services import outgoing as services
from tests import factories
from tests.documents.conftest import approved, make_draft, to_agency

pytestmark = pytest.mark.django_db

BLOCK = """Nơi nhận:
- UBND tỉnh Quảng Ngãi;
- Ban Quản lý Khu kinh tế Dung Quất;
- Ông Nguyễn Văn Dân (hồ sơ 123/HS);
- Báo Nhân Dân (để đưa tin);
- Lưu: VT, VP (2b).
"""
UNKNOWN = ["Ban Quản lý Khu kinh tế Dung Quất", "Ông Nguyễn Văn Dân (hồ sơ 123/HS)", "Báo Nhân Dân (để đưa tin)"]
Open = UnresolvedRecipientLine.State.OPEN


def _pasted(specialist, leader):
    outgoing = make_draft(specialist, leader)
    services.recipients_paste(membership=specialist, outgoing=outgoing, text=BLOCK)
    return outgoing


def _line(outgoing, text):
    return outgoing.unresolved_lines.get(text=text)


def _open_texts(outgoing):
    return list(outgoing.unresolved_lines.filter(state=Open).values_list("text", flat=True))


def test_unmatched_lines_are_kept_with_the_draft_once_however_often_pasted(specialist, leader, other_agency):
    outgoing = _pasted(specialist, leader)
    assert _open_texts(outgoing) == UNKNOWN
    assert outgoing.recipients.get().agency == other_agency
    services.recipients_paste(membership=specialist, outgoing=outgoing, text=BLOCK)
    assert _open_texts(outgoing) == UNKNOWN
    assert outgoing.unresolved_lines.first().created_by == specialist.user


def test_a_runaway_pasted_line_is_kept_by_its_first_500_characters(specialist, leader):
    outgoing = make_draft(specialist, leader)
    services.recipients_paste(membership=specialist, outgoing=outgoing, text="- " + "Sở Y tế " * 100 + ";")
    assert len(outgoing.unresolved_lines.get().text) == 500


def test_mapping_one_line_leaves_the_others_open(specialist, leader, other_agency):
    outgoing = _pasted(specialist, leader)
    dungquat = factories.make_agency("Ban Quản lý Khu kinh tế Dung Quất", code="000.00.20.H55")
    recipient = services.recipient_line_map(membership=specialist, line=_line(outgoing, UNKNOWN[0]),
                                            kind=Recipient.Kind.AGENCY, agency=dungquat)
    line = _line(outgoing, UNKNOWN[0])
    assert (line.state, line.recipient, line.settled_by) == ("mapped", recipient, specialist.user)
    assert _open_texts(outgoing) == UNKNOWN[1:]


def test_submitting_is_refused_while_a_line_is_open_and_the_refusal_lists_them(specialist, leader, other_agency):
    outgoing = _pasted(specialist, leader)
    with pytest.raises(ValidationError) as refused:
        services.outgoing_submit(membership=specialist, outgoing=outgoing)
    message = refused.value.messages[0]
    assert "còn 3 dòng “Nơi nhận”" in message
    assert all(f"“{text}”" in message for text in UNKNOWN)
    outgoing.refresh_from_db()
    assert outgoing.status == Outgoing.Status.DRAFT

    services.recipient_line_map(membership=specialist, line=_line(outgoing, UNKNOWN[1]), kind=Recipient.Kind.CITIZEN,
                                name="Nguyễn Văn Dân", email="dan@example.com", dossier="123/HS")
    services.recipient_line_map(membership=specialist, line=_line(outgoing, UNKNOWN[2]), kind=Recipient.Kind.PAPER,
                                name="Báo Nhân Dân")
    with pytest.raises(ValidationError, match="còn 1 dòng"):
        services.outgoing_submit(membership=specialist, outgoing=outgoing)
    services.recipient_line_dismiss(membership=specialist, line=_line(outgoing, UNKNOWN[0]),
                                    reason="Đã gửi bản giấy riêng qua bưu điện")
    assert services.outgoing_submit(membership=specialist, outgoing=outgoing).status == Outgoing.Status.SUBMITTED
    citizen = outgoing.recipients.get(kind=Recipient.Kind.CITIZEN)
    assert (citizen.name, citizen.email, citizen.dossier) == ("Nguyễn Văn Dân", "dan@example.com", "123/HS")


def test_approving_is_refused_while_a_line_is_open(specialist, leader, other_agency):
    outgoing = make_draft(specialist, leader, to_agency(other_agency))
    services.outgoing_submit(membership=specialist, outgoing=outgoing)
    UnresolvedRecipientLine.objects.create(outgoing=outgoing, text="Sở Y tế", created_by=specialist.user)
    with pytest.raises(ValidationError, match="“Sở Y tế”"):
        services.outgoing_approve(membership=leader, outgoing=outgoing)
    outgoing.refresh_from_db()
    assert outgoing.status == Outgoing.Status.SUBMITTED


def test_issuing_is_refused_while_a_line_is_open(certified, specialist, leader, clerk, other_agency):
    outgoing = approved(specialist, leader, to_agency(other_agency))
    UnresolvedRecipientLine.objects.create(outgoing=outgoing, text="Sở Y tế", created_by=specialist.user)
    with pytest.raises(ValidationError, match="“Sở Y tế”"):
        services.outgoing_issue(membership=clerk, outgoing=outgoing)
    outgoing.refresh_from_db()
    assert (outgoing.status, outgoing.number, outgoing.deliveries.count()) == (Outgoing.Status.APPROVED, None, 0)


def test_a_dismissal_needs_a_reason_and_a_settled_line_is_not_settled_again(specialist, leader, other_agency):
    outgoing = _pasted(specialist, leader)
    line = _line(outgoing, UNKNOWN[0])
    with pytest.raises(ValidationError):
        services.recipient_line_dismiss(membership=specialist, line=line, reason="   ")
    assert _line(outgoing, UNKNOWN[0]).state == Open
    services.recipient_line_dismiss(membership=specialist, line=line, reason="Trùng với dòng Quảng Ngãi")
    line = _line(outgoing, UNKNOWN[0])
    assert (line.state, line.dismiss_reason, line.settled_by) == ("dismissed", "Trùng với dòng Quảng Ngãi",
                                                                   specialist.user)
    with pytest.raises(ValidationError, match="đã được xử lý"):
        services.recipient_line_map(membership=specialist, line=line, kind=Recipient.Kind.AGENCY, agency=other_agency)


def test_only_who_may_edit_the_draft_settles_its_lines(specialist, leader, clerk, other_agency):
    outgoing = _pasted(specialist, leader)
    line = _line(outgoing, UNKNOWN[0])
    stranger = factories.make_member(other_agency, "clerk", unit=factories.make_unit(other_agency))
    for member in (leader, stranger):
        with pytest.raises(PermissionDenied):
            services.recipient_line_dismiss(membership=member, line=line, reason="Không cần")
        with pytest.raises(PermissionDenied):
            services.recipient_line_map(membership=member, line=line, kind=Recipient.Kind.AGENCY, agency=other_agency)
    assert _open_texts(outgoing) == UNKNOWN
    # The agency's clerk may, as for every edit of a draft.
    services.recipient_line_dismiss(membership=clerk, line=line, reason="Không còn tồn tại")
    assert _line(outgoing, UNKNOWN[0]).settled_by == clerk.user


def test_removing_the_recipient_a_line_was_mapped_to_opens_the_line_again(specialist, leader, other_agency):
    outgoing = _pasted(specialist, leader)
    recipient = services.recipient_line_map(membership=specialist, line=_line(outgoing, UNKNOWN[2]),
                                            kind=Recipient.Kind.EMAIL, name="Báo Nhân Dân", email="toasoan@nhandan.vn")
    assert _open_texts(outgoing) == UNKNOWN[:2]
    services.recipient_remove(membership=specialist, recipient=recipient)
    line = _line(outgoing, UNKNOWN[2])
    assert (line.state, line.recipient, line.settled_at) == ("open", None, None)


def test_a_paper_only_recipient_needs_a_name_and_is_planned_as_paper(specialist, leader, other_agency):
    outgoing = make_draft(specialist, leader, to_agency(other_agency))
    with pytest.raises(ValidationError):
        services.recipient_add(membership=specialist, outgoing=outgoing, kind=Recipient.Kind.PAPER, name="")
    services.recipient_add(membership=specialist, outgoing=outgoing, kind=Recipient.Kind.PAPER,
                           name="Báo Nhân Dân")
    planned = {d.name: d for d in services.deliveries_plan(outgoing)}
    assert planned["Báo Nhân Dân"].channel == Delivery.Channel.PAPER
    assert planned["Báo Nhân Dân"].status == Delivery.Status.NOT_ELECTRONIC
    assert planned["Ủy ban nhân dân tỉnh Quảng Ngãi"].channel == Delivery.Channel.PORTAL


# The page


class _Fields(HTMLParser):
    """The form fields and labels of a page."""

    def __init__(self):
        super().__init__()
        self.ids, self.fields, self.labels = [], [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "label" and attrs.get("for"):
            self.labels.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            self.fields.append(attrs.get("id"))


def test_each_open_line_has_its_own_labelled_mapping_form_with_every_kind(client_for, specialist, leader,
                                                                         other_agency):
    outgoing = _pasted(specialist, leader)
    page = client_for(specialist).get(f"/outgoing/{outgoing.pk}/").content.decode()
    parsed = _Fields()
    parsed.feed(page)
    assert len(parsed.ids) == len(set(parsed.ids)), "ids repeat"
    assert None not in parsed.fields and set(parsed.fields) <= parsed.labels, "a field without a label"
    for line in outgoing.unresolved_lines.all():
        select = re.search(rf'<select name="kind"[^>]*id="line-{line.pk}-kind"[^>]*>(.*?)</select>', page, re.S)
        assert select, f"no mapping form for {line.text}"
        assert re.findall(r'value="(\w+)"', select.group(1)) == ["agency", "unit", "group", "email", "citizen",
                                                                 "paper"]
        assert f'id="line-{line.pk}-dossier"' in page and f'id="line-{line.pk}-dismiss-reason"' in page


def test_the_lines_are_shown_to_the_signer_and_clerk_without_the_forms(client_for, specialist, leader, clerk,
                                                                      other_agency):
    outgoing = _pasted(specialist, leader)
    services.recipient_line_dismiss(membership=specialist, line=_line(outgoing, UNKNOWN[0]), reason="Trùng")
    for member in (leader, clerk):
        page = client_for(member).get(f"/outgoing/{outgoing.pk}/").content.decode()
        assert all(text in page for text in UNKNOWN)
        assert "Còn 2 dòng chưa ghép" in page and "Trùng" in page
    assert "line-map-form" not in client_for(leader).get(f"/outgoing/{outgoing.pk}/").content.decode()


def test_mapping_through_the_page_keeps_the_other_lines_and_refuses_the_signer(client_for, specialist, leader,
                                                                               other_agency):
    outgoing = _pasted(specialist, leader)
    line = _line(outgoing, UNKNOWN[1])
    data = {"kind": "citizen", "name": "Nguyễn Văn Dân", "email": "dan@example.com", "dossier": "123/HS"}
    url = f"/outgoing/{outgoing.pk}/recipients/lines/{line.pk}/map/"
    denied = client_for(leader).post(url, data, HTTP_HX_REQUEST="true")
    assert denied.status_code == 403
    assert _line(outgoing, UNKNOWN[1]).state == Open
    response = client_for(specialist).post(url, data, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert _line(outgoing, UNKNOWN[1]).state == "mapped"
    assert page.count('data-testid="line-forms"') == 2 and UNKNOWN[0] in page and UNKNOWN[2] in page
    reloaded = client_for(specialist).get(f"/outgoing/{outgoing.pk}/").content.decode()
    assert reloaded.count('data-testid="line-forms"') == 2
    refused = client_for(specialist).post(f"/outgoing/{outgoing.pk}/action/submit/", follow=True).content.decode()
    assert "còn 2 dòng “Nơi nhận”" in refused
