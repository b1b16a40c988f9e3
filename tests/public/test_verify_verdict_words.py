"""/verify/ says what it found in words a citizen trusts: a modified file never shows a passing (green) check,
each check is said in text beside a labelled icon, and the certificate's issuer is said in Vietnamese."""

import re
from io import BytesIO

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from tests.public.conftest import signed_bytes, to_citizen
from tests.public.test_verify import tampered, upload, verdict

pytestmark = pytest.mark.django_db


def text_added_after_signing(data):
    """The signed file with a line of text drawn on its page by an incremental update: every byte the signature
    covers is intact and the signature itself still checks out, but the page the reader sees has changed."""
    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    stream = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 18 Tf 72 700 Td (DA SUA) Tj ET"))
    writer.add_stream_to_page(0, stream)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def checks(html):
    """(state, label, icon, icon's label, state said, answer) of every check shown."""
    return re.findall(r'data-testid="signature-check" data-state="([a-z]+)"><th scope="row"[^>]*>([^<]+)</th><td>'
                      r'<i class="bi ([^"]+)" role="img" aria-label="([^"]+)"[^>]*></i> <strong>([^<]+)</strong>: '
                      r'([^<]*)</td>', html)


@pytest.fixture
def public_reply(issue):
    return issue(to_citizen("dan@example.com"))


@pytest.mark.parametrize("modify", [tampered, text_added_after_signing], ids=["bytes-changed", "text-added"])
def test_a_modified_file_shows_no_passing_check(client, public_reply, modify):
    response = upload(client, modify(signed_bytes(public_reply)))
    kind, title, _message = verdict(response)
    html = response.content.decode()
    assert (kind, title) == ("modified", "Tệp đã bị sửa đổi")
    found = checks(html)
    assert len(found) == 7 + 7 + 5  # the signer's, the agency's, the document timestamp's
    assert all(state in ("fail", "moot") for state, *_ in found)
    assert "text-success" not in html and 'data-meets="no"' in html
    for _state, _label, _icon, icon_label, said, _answer in found:
        assert icon_label == said  # the icon is labelled with what the text says
        assert said in ("Không đạt", "Chỉ đúng với phần tệp trước khi bị sửa")
    if modify is tampered:
        assert ("fail", "Nội dung đã ký còn nguyên vẹn", "bi-x-circle-fill text-danger", "Không đạt", "Không đạt",
                "Không") in found
    else:
        assert ("fail", "Thay đổi sau khi ký", "bi-x-circle-fill text-danger", "Không đạt", "Không đạt",
                "Có thay đổi mà chữ ký không cho phép") in found


def test_a_genuine_file_shows_each_check_passed_in_words(client, public_reply):
    html = upload(client, signed_bytes(public_reply)).content.decode()
    found = checks(html)
    assert {(state, said) for state, _label, _icon, _icon_label, said, _answer in found} == {("pass", "Đạt")}
    labels = [label for _state, label, *_ in found]
    assert labels[:7] == ["Thời điểm ký", "Nội dung đã ký còn nguyên vẹn", "Chữ ký khớp với chứng thư số",
                          "Chứng thư số do tổ chức tin cậy cấp", "Thu hồi tại thời điểm ký", "Dữ liệu kiểm tra dài hạn",
                          "Thay đổi sau khi ký"]
    answers = dict(zip(labels[:7], [answer for *_, answer in found][:7], strict=True))
    assert answers["Thời điểm ký"].startswith("Có dấu thời gian của Demo TSA")
    assert answers["Dữ liệu kiểm tra dài hạn"].startswith("Có (PAdES B-LTA)")


def test_the_issuer_and_the_holder_are_said_in_vietnamese(client, public_reply, agency):
    html = upload(client, signed_bytes(public_reply)).content.decode()
    issuer = re.search(r'data-testid="signature-issuer">(.*?)</div>', html, re.S).group(1)
    holder = re.search(r'data-testid="signature-subject">(.*?)</div>', html, re.S).group(1)
    assert issuer.startswith("Tổ chức cấp chứng thư: ") and "Tổ chức: " in issuer
    assert holder.startswith("Cấp cho: ") and agency.name in holder
    for raw in ("Common Name", "Organization", "Country"):
        assert raw not in issuer and raw not in holder
