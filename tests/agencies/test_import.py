"""Importing agencies and units from CSV: all rows or none, every bad row reported with its line."""

import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, ManagementUtility, call_command
from django.urls import reverse

from accounts.models import User
from agencies.models import Agency, Unit
from agencies.services import agencies_import_csv
from tests import factories
from tests.conftest import login

HEADER = "record,agency_code,name,short_name,parent_code,official_email,address,phone,website,uses_portal\n"

# The department comes before the people's committee it belongs to, and a unit before its agency.
GOOD = HEADER + (
    "agency,000.00.15.H34,Sở Thông tin và Truyền thông tỉnh Kon Tum,STTTT,000.00.00.H34,stttt@kontum.gov.vn,,,,1\n"
    "unit,000.00.00.H34,Văn phòng UBND tỉnh,VP,,vp@kontum.gov.vn,,,,\n"
    "agency,000.00.00.H34,Ủy ban nhân dân tỉnh Kon Tum,UBND,,vanphong@kontum.gov.vn,"
    "\"Số 1 Trần Hưng Đạo, TP Kon Tum\",0260 3862 345,https://kontum.gov.vn,có\n"
    "unit,000.00.00.H34,Phòng Khoa giáo – Văn xã,KGVX,,kgvx@kontum.gov.vn,,,,\n"
    "unit,000.00.15.H34,Văn phòng Sở,VP,,,,,,\n"
    "agency,000.00.00.H40,Ủy ban nhân dân tỉnh Nghệ An,UBND,,vanphong@nghean.gov.vn,,,,0\n"
)

BAD = HEADER + (
    "agency,000.00.00.h34,Tỉnh sai mã,UBND,,vanphong@tinh.gov.vn,,,,1\n"                         # 2 bad code
    "agency,000.00.00.H51,Ủy ban nhân dân tỉnh Quảng Nam,UBND,,ubnd.quangnam@gmail.com,,,,1\n"   # 3 webmail
    "agency,000.00.16.H34,Sở Nội vụ tỉnh Kon Tum,SNV,000.00.00.X99,snv@kontum.gov.vn,,,,1\n"     # 4 unknown parent
    "agency,000.00.00.H50,Ủy ban nhân dân tỉnh Quảng Bình,UBND,,vp@quangbinh.gov.vn,,,,1\n"      # 5 fine alone
    "agency,000.00.00.H50,Ủy ban nhân dân tỉnh Quảng Bình,UBND,,vp@quangbinh.gov.vn,,,,1\n"      # 6 duplicate
    "unit,000.00.00.H99,Văn phòng,VP,,vp@khongco.gov.vn,,,,\n"                                  # 7 unknown agency
    "agency,000.00.01.H61,Cơ quan A,CQA,000.00.01.H62,a@a.gov.vn,,,,1\n"                         # 8 cycle
    "agency,000.00.01.H62,Cơ quan B,CQB,000.00.01.H61,b@b.gov.vn,,,,1\n"                         # 9 cycle
    "department,000.00.00.H70,Phòng lạ,PL,,pl@la.gov.vn,,,,1\n"                                  # 10 bad record
    "agency,000.00.00.H33,Ủy ban nhân dân tỉnh Gia Lai,UBND,,vp@gialai.gov.vn,,,,1\n"            # 11 fine
)

BAD_LINES = {
    2: "000.00.00.G22",
    3: "không phải địa chỉ thư điện tử công vụ",
    4: "Không tìm thấy cơ quan cấp trên có mã 000.00.00.X99",
    6: "Mã 000.00.00.H50 lặp lại (đã có ở dòng 5)",
    7: "000.00.00.H99 chưa có trong danh bạ",
    8: "vòng lặp",
    9: "vòng lặp",
    10: "“department”",
}


def cp1258(text):
    """Text as a Windows-1258 file: base letters precomposed where the code page has them, tone marks combining."""
    out = b""
    for char in unicodedata.normalize("NFC", text):
        base, *marks = unicodedata.normalize("NFD", char)
        options = [char, *(unicodedata.normalize("NFC", base + m) + "".join(marks[:i] + marks[i + 1:])
                           for i, m in enumerate(marks)), base + "".join(marks)]
        for option in options:
            try:
                out += option.encode("cp1258")
                break
            except UnicodeEncodeError:
                continue
    return out


def totals():
    return Agency.objects.count(), Unit.objects.count()


def assert_reports_every_bad_row(errors):
    for line, reason in BAD_LINES.items():
        messages = [message for number, message in errors if number == line]
        assert any(reason in message for message in messages), (line, reason, messages)
    assert {number for number, _message in errors} == set(BAD_LINES)


def test_good_file_creates_agencies_with_their_parents_and_units(db):
    report = agencies_import_csv(GOOD.encode())
    assert report.ok, report.errors
    assert (report.agencies_created, report.units_created) == (3, 3)
    department = Agency.objects.get(code="000.00.15.H34")
    assert department.parent.name == "Ủy ban nhân dân tỉnh Kon Tum"
    committee = department.parent
    assert committee.address == "Số 1 Trần Hưng Đạo, TP Kon Tum" and committee.uses_portal
    assert not Agency.objects.get(code="000.00.00.H40").uses_portal
    assert sorted(committee.units.values_list("abbreviation", flat=True)) == ["KGVX", "VP"]
    assert department.units.get().name == "Văn phòng Sở"


def test_second_import_updates_instead_of_duplicating(db):
    agencies_import_csv(GOOD.encode())
    before = totals()
    changed = GOOD.replace("Văn phòng UBND tỉnh", "Văn phòng Ủy ban nhân dân tỉnh").replace("0260 3862 345", "0260 3999 999")
    report = agencies_import_csv(changed.encode())
    assert report.ok, report.errors
    assert (report.agencies_created, report.agencies_updated, report.units_created, report.units_updated) == (0, 3, 0, 3)
    assert totals() == before
    assert Agency.objects.get(code="000.00.00.H34").phone == "0260 3999 999"
    assert Unit.objects.get(agency__code="000.00.00.H34", abbreviation="VP").name == "Văn phòng Ủy ban nhân dân tỉnh"


def test_rows_may_refer_to_agencies_already_in_the_directory(agency):
    data = HEADER + (
        "agency,000.00.05.G09,Cục Văn thư và Lưu trữ nhà nước,CVTLT,000.00.00.G09,vanthu@archives.gov.vn,,,,1\n"
        "unit,000.00.00.G09,Vụ Pháp chế,PC,,phapche@moha.gov.vn,,,,\n"
    )
    report = agencies_import_csv(data.encode())
    assert report.ok, report.errors
    assert Agency.objects.get(code="000.00.05.G09").parent == agency
    assert agency.units.filter(abbreviation="PC").exists()


def test_file_with_bad_rows_reports_each_with_its_line_and_reason_and_imports_nothing(db):
    agencies_import_csv(GOOD.encode())
    before = totals()
    report = agencies_import_csv(BAD.encode())
    assert not report.ok
    assert_reports_every_bad_row(report.errors)
    assert totals() == before
    assert not Agency.objects.filter(code__in=["000.00.00.H50", "000.00.00.H33"]).exists()


def test_file_that_would_close_a_cycle_with_agencies_in_the_directory_is_refused(db):
    agencies_import_csv(GOOD.encode())
    data = HEADER + "agency,000.00.00.H34,Ủy ban nhân dân tỉnh Kon Tum,UBND,000.00.15.H34,vanphong@kontum.gov.vn,,,,1\n"
    report = agencies_import_csv(data.encode())
    assert [line for line, _message in report.errors] == [2]
    assert "vòng lặp" in report.errors[0][1]
    assert Agency.objects.get(code="000.00.00.H34").parent is None


def test_file_in_windows_1258_gives_a_clear_error(db):
    report = agencies_import_csv(cp1258(GOOD))
    assert len(report.errors) == 1
    assert "UTF-8" in report.errors[0][1] and "Hãy lưu tệp CSV với mã hóa UTF-8" in report.errors[0][1]
    assert totals() == (0, 0)


def test_file_with_missing_columns_gives_a_clear_error(db):
    data = "record,agency_code,name,short_name,parent_code,official_email\nagency,000.00.00.H34,UBND,UBND,,vp@kontum.gov.vn\n"
    report = agencies_import_csv(data.encode())
    assert report.errors == [(1, "Thiếu cột: address, phone, website, uses_portal.")]
    assert totals() == (0, 0)


def test_utf8_file_with_a_byte_order_mark_is_read(db):
    report = agencies_import_csv(b"\xef\xbb\xbf" + GOOD.encode())
    assert report.ok, report.errors
    assert Agency.objects.filter(name="Ủy ban nhân dân tỉnh Kon Tum").exists()


def test_decomposed_vietnamese_is_stored_in_nfc(db):
    report = agencies_import_csv(unicodedata.normalize("NFD", GOOD).encode())
    assert report.ok, report.errors
    name = Agency.objects.get(code="000.00.00.H34").name
    assert name == "Ủy ban nhân dân tỉnh Kon Tum" and unicodedata.is_normalized("NFC", name)


# The management command.

@pytest.fixture
def csv_file(tmp_path):
    def write(content):
        path = tmp_path / "co-quan.csv"
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return str(path)

    return write


def test_command_imports_a_good_file(csv_file, capsys, db):
    call_command("import_agencies", csv_file(GOOD))
    assert "agencies: 3 created, 0 updated; units: 3 created, 0 updated" in capsys.readouterr().out
    assert totals() == (3, 3)


def test_command_reports_every_bad_row_and_imports_nothing(csv_file, capsys, db):
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_agencies", csv_file(BAD))
    err = capsys.readouterr().err
    for line in BAD_LINES:
        assert f"line {line}: " in err
    assert totals() == (0, 0)


@pytest.mark.parametrize("content", [BAD, cp1258(GOOD)], ids=["bad rows", "windows-1258"])
def test_command_exits_non_zero_on_errors(csv_file, capsys, db, content):
    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(["manage.py", "import_agencies", csv_file(content)]).execute()
    assert exit_.value.code != 0
    assert "nothing was imported" in capsys.readouterr().err


def test_command_exits_non_zero_on_a_missing_file(tmp_path, capsys, db):
    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(["manage.py", "import_agencies", str(tmp_path / "khong-co.csv")]).execute()
    assert exit_.value.code != 0


# The admin's import page.

@pytest.fixture
def superuser_client(client, db):
    user = User.objects.create_superuser("admin@portal.gov.vn", "Quản-trị-2026!", full_name="Quản trị cổng")
    factories.totp_enable(user)  # /admin/ wants a session that passed two-factor
    return login(client, user)


def upload(client, content):
    url = reverse("admin:agencies_agency_import")
    return client.post(url, {"file": SimpleUploadedFile("co-quan.csv", content, content_type="text/csv")})


def test_admin_import_page_imports_a_good_file(superuser_client):
    assert superuser_client.get(reverse("admin:agencies_agency_import")).status_code == 200
    response = upload(superuser_client, b"\xef\xbb\xbf" + GOOD.encode())
    assert response.status_code == 302
    assert response.url == reverse("admin:agencies_agency_changelist")
    assert totals() == (3, 3)
    changelist = superuser_client.get(response.url)
    assert "3 cơ quan mới" in changelist.content.decode()


def test_admin_import_page_lists_every_bad_row_and_imports_nothing(superuser_client):
    response = upload(superuser_client, BAD.encode())
    assert response.status_code == 200
    assert_reports_every_bad_row(response.context["report"].errors)
    html = response.content.decode()
    assert "Không nhập được" in html and "Không tìm thấy cơ quan cấp trên có mã 000.00.00.X99" in html
    assert totals() == (0, 0)


def test_admin_import_page_explains_a_file_that_is_not_utf8(superuser_client):
    response = upload(superuser_client, cp1258(GOOD))
    assert response.status_code == 200
    assert "Hãy lưu tệp CSV với mã hóa UTF-8" in response.content.decode()
    assert totals() == (0, 0)


def test_admin_import_page_is_closed_to_agency_staff(client_for, admin_member):
    response = client_for(admin_member).get(reverse("admin:agencies_agency_import"))
    assert response.status_code == 302 and "/admin/login/" in response.url
