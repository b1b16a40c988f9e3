import pytest

from documents import noinhan
from documents.models import NoiNhanAlias, Recipient
from documents.services import outgoing as services
from tests import factories
from tests.documents.conftest import make_draft, to_agency, to_email


@pytest.fixture
def province_group(db, other_agency):
    kontum = factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34")
    return factories.make_group("UBND các tỉnh, thành phố trực thuộc TW", kontum, other_agency)


@pytest.mark.django_db
def test_block_is_rendered_as_decree_30_writes_it(specialist, leader, other_agency, province_group):
    outgoing = make_draft(
        specialist, leader,
        to_agency(other_agency, role=Recipient.Role.KINH_GUI),
        {"kind": Recipient.Kind.GROUP, "group": province_group},
        to_email("vanphong@congty.vn", "Công ty Cổ phần Phần mềm Đông Á"),
    )
    assert noinhan.noi_nhan_block(outgoing) == "\n".join([
        "Nơi nhận:",
        "- Như trên;",
        "- UBND các tỉnh, thành phố trực thuộc TW;",
        "- Công ty Cổ phần Phần mềm Đông Á;",
        "- Lưu: VT, VP (2b).",
    ])
    assert noinhan.kinh_gui_lines(outgoing) == ["Ủy ban nhân dân tỉnh Quảng Ngãi"]


@pytest.mark.django_db
def test_without_kinh_gui_there_is_no_nhu_tren_line(specialist, leader, other_agency):
    outgoing = make_draft(specialist, leader, to_agency(other_agency))
    assert noinhan.noi_nhan_lines(outgoing) == ["- Ủy ban nhân dân tỉnh Quảng Ngãi;", "- Lưu: VT, VP (2b)."]


PASTED = """Nơi nhận:
- Như trên;
- UBND các tỉnh, thành phố trực thuộc TW;
- UBND tỉnh Quảng Ngãi;
- Văn phòng Bộ;
- Sở Kế hoạch và Đầu tư tỉnh Gia Lai (để b/c);
- Công ty ABC <vanthu@abc.com.vn>;
- Lưu: VT, VP (3b).
"""


@pytest.mark.django_db
def test_pasted_block_is_read_into_recipients_and_unmatched_lines_are_reported(specialist, leader, other_agency,
                                                                                province_group, unit):
    outgoing = make_draft(specialist, leader)
    lines = services.recipients_paste(membership=specialist, outgoing=outgoing, text=PASTED)
    kinds = [(line.number, line.kind) for line in lines]
    assert kinds == [(2, "nhu_tren"), (3, "recipient"), (4, "recipient"), (5, "recipient"), (6, "unmatched"),
                     (7, "recipient"), (8, "archive")]
    by_kind = {(r.kind, r.label) for r in outgoing.recipients.all()}
    assert by_kind == {
        ("group", "UBND các tỉnh, thành phố trực thuộc TW"),
        ("agency", "Ủy ban nhân dân tỉnh Quảng Ngãi"),
        ("unit", "Văn phòng Bộ"),
        ("email", "Công ty ABC"),
    }
    outgoing.refresh_from_db()
    assert outgoing.archive_copies == 3
    assert lines[4].text == "Sở Kế hoạch và Đầu tư tỉnh Gia Lai (để b/c)"


@pytest.mark.django_db
def test_a_line_mapped_by_hand_is_remembered_for_the_agency(specialist, leader, other_agency, agency):
    gialai = factories.make_agency("Sở Kế hoạch và Đầu tư tỉnh Gia Lai", code="000.00.07.H21", short_name="SKHĐT")
    first = make_draft(specialist, leader)
    lines = services.recipients_paste(membership=specialist, outgoing=first, text="- Sở KH&ĐT Gia Lai;")
    assert [line.kind for line in lines] == ["unmatched"]
    services.recipient_line_map(membership=specialist, line=first.unresolved_lines.get(text=lines[0].text),
                                kind=Recipient.Kind.AGENCY, agency=gialai)
    assert NoiNhanAlias.objects.filter(agency=agency).count() == 1

    second = make_draft(specialist, leader)
    lines = services.recipients_paste(membership=specialist, outgoing=second, text="Nơi nhận:\n- Sở KH&ĐT Gia Lai;")
    assert [line.kind for line in lines] == ["recipient"]
    assert second.recipients.get().agency == gialai
    # Another agency's clerk does not inherit the mapping.
    other_clerk = factories.make_member(other_agency, "clerk", unit=factories.make_unit(other_agency))
    assert noinhan.parse_noi_nhan("- Sở KH&ĐT Gia Lai;", other_clerk.agency)[0].kind == "unmatched"


@pytest.mark.django_db
def test_abbreviations_and_case_do_not_prevent_a_match(agency):
    kontum = factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34")
    lines = noinhan.parse_noi_nhan("- ubnd TỈNH KON TUM;\n- Bộ Nội Vụ;", agency)
    assert [line.match.agency for line in lines] == [kontum, agency]
