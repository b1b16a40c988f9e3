import pytest

from tests import factories
from tests.conftest import login


@pytest.mark.django_db
def test_the_technical_admin_can_look_documents_up_but_not_change_them(client):
    admin = factories.make_user("root@portal.gov.vn")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    factories.totp_enable(admin)  # /admin/ wants a session that passed two-factor
    login(client, admin)
    for url in ("/admin/documents/outgoing/", "/admin/documents/incoming/", "/admin/documents/delivery/",
                "/admin/documents/mailreport/"):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/documents/outgoing/add/").status_code == 403
