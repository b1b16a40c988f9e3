"""Issue 12: the printed “Nơi nhận” block keeps what the clerk wrote, and one destination gets one copy."""

import pytest

from agencies.models import RecipientGroup
from documents import noinhan
from documents.models import Delivery, Incoming, Recipient
from documents.services import outgoing as services
from tests import factories
from tests.conftest import login
from tests.documents.conftest import approved, make_draft, to_agency, to_email

pytestmark = pytest.mark.django_db

MINISTRIES = "Các Bộ, cơ quan ngang Bộ, cơ quan thuộc Chính phủ"


def _detail(client, member, outgoing):
    login(client, member.user)
    return client.get(f"/outgoing/{outgoing.pk}/").content.decode()


def test_printed_block_keeps_annotations_and_the_archive_line_as_pasted(specialist, leader, other_agency, unit):
    factories.make_unit(specialist.agency, "Vụ Tổ chức cán bộ", "TCCB")
    outgoing = make_draft(specialist, leader)
    services.recipients_paste(membership=specialist, outgoing=outgoing, text="\n".join([
        "Nơi nhận:",
        "- UBND tỉnh Quảng Ngãi (để phối hợp);",
        "- Văn phòng Bộ (để b/c);",
        "- Lưu: VT, TCCB (3b).",
    ]))
    outgoing.refresh_from_db()
    assert noinhan.noi_nhan_block(outgoing) == "\n".join([
        "Nơi nhận:",
        "- UBND tỉnh Quảng Ngãi (để phối hợp);",
        "- Văn phòng Bộ (để b/c);",
        "- Lưu: VT, TCCB (3b).",
    ])
    # The drafting unit stays what the form says; the archive line is the clerk's.
    assert outgoing.drafting_unit == unit and outgoing.archive_copies == 3
    assert {r.agency or r.unit for r in outgoing.recipients.all()} == {other_agency, unit}


def test_a_line_mapped_by_hand_is_printed_as_written(specialist, leader):
    gialai = factories.make_agency("Sở Kế hoạch và Đầu tư tỉnh Gia Lai", code="000.00.07.H21", short_name="SKHĐT")
    outgoing = make_draft(specialist, leader)
    services.recipients_paste(membership=specialist, outgoing=outgoing, text="- Sở KH&ĐT Gia Lai (để b/c);")
    services.recipient_line_map(membership=specialist, line=outgoing.unresolved_lines.get(),
                                kind=Recipient.Kind.AGENCY, agency=gialai)
    assert noinhan.noi_nhan_lines(outgoing)[0] == "- Sở KH&ĐT Gia Lai (để b/c);"
    assert outgoing.recipients.get().label == "Sở Kế hoạch và Đầu tư tỉnh Gia Lai"


def test_changing_the_number_of_archive_copies_rewrites_the_pasted_line(specialist, leader, unit):
    outgoing = make_draft(specialist, leader)
    services.recipients_paste(membership=specialist, outgoing=outgoing, text="- Lưu: VT, TCCB (3b).")
    outgoing.refresh_from_db()
    services.outgoing_update(membership=specialist, outgoing=outgoing, archive_copies=5)
    outgoing.refresh_from_db()
    assert noinhan.archive_line(outgoing) == "Lưu: VT, TCCB (5b)"
    services.outgoing_update(membership=specialist, outgoing=outgoing, summary="V/v khác")
    outgoing.refresh_from_db()
    assert noinhan.archive_line(outgoing) == "Lưu: VT, TCCB (5b)"


def test_archive_line_with_several_units_counts_every_copy(specialist, leader, unit):
    outgoing = make_draft(specialist, leader)
    services.recipients_paste(membership=specialist, outgoing=outgoing, text="- Lưu: VT, VP (2b), TCCB (1b).")
    outgoing.refresh_from_db()
    assert noinhan.archive_line(outgoing) == "Lưu: VT, VP (2b), TCCB (1b)"
    assert outgoing.archive_copies == 3


def test_nhu_tren_without_kinh_gui_is_flagged_until_a_kinh_gui_is_added(client, specialist, leader, other_agency):
    outgoing = make_draft(specialist, leader)
    services.recipients_paste(membership=specialist, outgoing=outgoing,
                              text="Nơi nhận:\n- Như trên;\n- UBND tỉnh Quảng Ngãi;\n- Lưu: VT, VP (2b).")
    outgoing.refresh_from_db()
    assert len(noinhan.noi_nhan_warnings(outgoing)) == 1
    html = _detail(client, specialist, outgoing)
    assert 'data-testid="noi-nhan-warning"' in html and "chưa có nơi nhận “Kính gửi”" in html
    assert "- Như trên;" not in noinhan.noi_nhan_block(outgoing)  # it would point at nobody

    kontum = factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34")
    services.recipient_add(membership=specialist, outgoing=outgoing, **to_agency(kontum, Recipient.Role.KINH_GUI))
    assert noinhan.noi_nhan_warnings(outgoing) == []
    assert 'data-testid="noi-nhan-warning"' not in _detail(client, specialist, outgoing)
    assert noinhan.noi_nhan_lines(outgoing)[0] == "- Như trên;"


def test_a_block_without_nhu_tren_is_not_flagged(specialist, leader):
    outgoing = make_draft(specialist, leader)
    services.recipients_paste(membership=specialist, outgoing=outgoing, text="- UBND tỉnh Quảng Ngãi;")
    outgoing.refresh_from_db()
    assert noinhan.noi_nhan_warnings(outgoing) == []


def test_own_agency_in_its_own_noi_nhan_is_shown_as_not_sent(client, specialist, leader, clerk, certified,
                                                             other_agency, mfa, django_capture_on_commit_callbacks):
    outgoing = make_draft(specialist, leader)
    services.recipients_paste(membership=specialist, outgoing=outgoing,
                              text="- Bộ Nội vụ;\n- UBND tỉnh Quảng Ngãi;\n- Lưu: VT, VP (2b).")
    notes = noinhan.Destinations(outgoing).notes()
    own = outgoing.recipients.get(agency=specialist.agency)
    assert notes == {own.pk: "không gửi (chính cơ quan ban hành)"}
    html = _detail(client, specialist, outgoing)
    assert "không gửi (chính cơ quan ban hành)" in html
    assert "- Bộ Nội vụ;" in noinhan.noi_nhan_block(outgoing)  # printed as written
    services.outgoing_submit(membership=specialist, outgoing=outgoing)
    factories.approve(leader, outgoing)
    with django_capture_on_commit_callbacks(execute=True):
        services.outgoing_issue(membership=clerk, outgoing=outgoing)
    assert list(outgoing.deliveries.values_list("agency__name", flat=True)) == ["Ủy ban nhân dân tỉnh Quảng Ngãi"]


def test_group_names_match_their_aliases(specialist, other_agency):
    group = factories.make_group(MINISTRIES, specialist.agency, other_agency)
    variant = "- Các Bộ, cơ quan ngang Bộ, cơ quan thuộc CP (để thực hiện);"
    assert noinhan.parse_noi_nhan(variant, specialist.agency)[0].kind == "unmatched"
    group.aliases = "Các Bộ, cơ quan ngang Bộ, cơ quan thuộc CP\nCác Bộ, ngành Trung ương"
    group.save()
    for line in (variant, "- Các bộ, ngành trung ương;", f"- {MINISTRIES};"):
        parsed = noinhan.parse_noi_nhan(line, specialist.agency)[0]
        assert (parsed.kind, parsed.match.group) == ("recipient", group), line
    # An alias is a whole name, not a prefix of others.
    assert noinhan.parse_noi_nhan("- Các Bộ;", specialist.agency)[0].kind == "unmatched"


def test_agency_admin_keeps_aliases_of_its_groups_and_only_its_own(client, admin_member, other_agency):
    login(client, admin_member.user)
    response = client.post("/manage/groups/new/", {
        "name": "Các sở, ban, ngành tỉnh", "aliases": "Các sở, ngành\n\n  Sở, ban, ngành tỉnh  ",
        "members": [other_agency.pk],
    })
    assert response.status_code == 302
    group = RecipientGroup.objects.get(owner=admin_member.agency)
    assert group.names == ["Các sở, ban, ngành tỉnh", "Các sở, ngành", "Sở, ban, ngành tỉnh"]
    assert 'name="aliases"' in client.get(f"/manage/groups/{group.pk}/").content.decode()
    assert "Cách viết khác: Các sở, ngành; Sở, ban, ngành tỉnh" in client.get("/manage/groups/").content.decode()
    shared = factories.make_group(MINISTRIES, other_agency)
    response = client.post(f"/manage/groups/{shared.pk}/", {"name": MINISTRIES, "aliases": "Các Bộ",
                                                             "members": [other_agency.pk]})
    assert response.status_code == 404
    shared.refresh_from_db()
    assert shared.aliases == ""


def test_portal_admin_edits_aliases_of_shared_groups(client):
    root = factories.make_user("root@portal.gov.vn")
    root.is_staff = root.is_superuser = True
    root.save()
    factories.totp_enable(root)
    login(client, root)
    assert 'name="aliases"' in client.get("/admin/agencies/recipientgroup/add/").content.decode()


def test_an_agency_and_its_official_address_get_one_copy(client, specialist, leader, clerk, certified,
                                                          other_agency, email_agency, mfa, smtp_sink,
                                                          django_capture_on_commit_callbacks):
    outgoing = make_draft(specialist, leader)
    services.recipients_paste(membership=specialist, outgoing=outgoing, text="\n".join([
        "- UBND tỉnh Quảng Ngãi;",
        "- Văn phòng UBND tỉnh Quảng Ngãi <VanPhong@quangngai.gov.vn>;",
        "- Văn phòng UBND tỉnh Nghệ An <vanphong@nghean.gov.vn>;",
        "- UBND tỉnh Nghệ An;",
        "- Lưu: VT, VP (2b).",
    ]))
    html = _detail(client, specialist, outgoing)
    assert html.count("trùng với") == 2
    assert "trùng với “Ủy ban nhân dân tỉnh Quảng Ngãi”" in html
    assert "trùng với “Ủy ban nhân dân tỉnh Nghệ An”" in html
    services.outgoing_submit(membership=specialist, outgoing=outgoing)
    factories.approve(leader, outgoing)
    with django_capture_on_commit_callbacks(execute=True):
        services.outgoing_issue(membership=clerk, outgoing=outgoing)
    assert sorted(outgoing.deliveries.values_list("channel", "name")) == [
        (Delivery.Channel.EMAIL, "Ủy ban nhân dân tỉnh Nghệ An"),
        (Delivery.Channel.PORTAL, "Ủy ban nhân dân tỉnh Quảng Ngãi"),
    ]
    assert Incoming.objects.filter(agency=other_agency).count() == 1
    assert smtp_sink.received_by() == {"vanphong@nghean.gov.vn": 1}


def test_a_group_and_one_of_its_members_get_one_copy(client, specialist, leader, clerk, certified, other_agency,
                                                      portal_agency, mfa, django_capture_on_commit_callbacks):
    group = factories.make_group("UBND các tỉnh, thành phố trực thuộc TW", portal_agency, other_agency)
    outgoing = approved(specialist, leader, to_agency(other_agency), {"kind": Recipient.Kind.GROUP, "group": group},
                        to_email("vanphong@kontum.gov.vn", "Văn phòng UBND tỉnh Kon Tum"))
    notes = noinhan.Destinations(outgoing).notes()
    by_label = {r.label: notes.get(r.pk, "") for r in outgoing.recipients.all()}
    assert by_label == {
        "Ủy ban nhân dân tỉnh Quảng Ngãi": "trùng với “UBND các tỉnh, thành phố trực thuộc TW”: chỉ gửi một bản",
        "UBND các tỉnh, thành phố trực thuộc TW": "",
        "Văn phòng UBND tỉnh Kon Tum": "trùng với “UBND các tỉnh, thành phố trực thuộc TW”: chỉ gửi một bản",
    }
    with django_capture_on_commit_callbacks(execute=True):
        services.outgoing_issue(membership=clerk, outgoing=outgoing)
    assert sorted(outgoing.deliveries.values_list("channel", "agency")) == sorted([
        (Delivery.Channel.PORTAL, portal_agency.pk), (Delivery.Channel.PORTAL, other_agency.pk)])
    assert Incoming.objects.filter(agency=other_agency).count() == 1
    assert Incoming.objects.filter(agency=portal_agency).count() == 1


def test_an_address_no_agency_owns_is_still_its_own_destination(specialist, leader, other_agency):
    outgoing = make_draft(specialist, leader, to_agency(other_agency), to_email("lienhe@congty.vn"))
    assert noinhan.Destinations(outgoing).notes() == {}
    assert len(services.deliveries_plan(outgoing)) == 2


def test_an_official_address_is_recognised_whatever_its_case(specialist, leader):
    hagiang = factories.make_agency("Ủy ban nhân dân tỉnh Hà Giang", code="000.00.00.H02",
                                    official_email="VanPhong@HaGiang.gov.vn")
    outgoing = make_draft(specialist, leader, to_agency(hagiang), to_email("vanphong@hagiang.gov.vn"))
    address = outgoing.recipients.get(kind=Recipient.Kind.EMAIL)
    assert noinhan.Destinations(outgoing).notes() == {
        address.pk: "trùng với “Ủy ban nhân dân tỉnh Hà Giang”: chỉ gửi một bản"}
    assert [d.agency for d in services.deliveries_plan(outgoing)] == [hagiang]
