"""Reading an agency mailbox (real Dovecot): bounces and auto-replies are handled without the clerk and never
become items to register; mail a person wrote still does."""

import pytest

from documents.models import Delivery, MailReport
from intake import services
from intake.models import InboundMessage
from tests.documents.test_bounces import person, sample, sent  # noqa: F401 - `sent` is a fixture
from tests.intake.conftest import make_mailbox

pytestmark = pytest.mark.django_db


def test_bounces_and_auto_replies_are_handled_automatically_and_only_the_persons_mail_is_an_item(
        agency, imap_account, sent):  # noqa: F811
    bounced, other = sent
    imap_account.append(sample("postfix", bounced))
    imap_account.append(sample("out_of_office", other))
    imap_account.append(sample("delayed", other))
    imap_account.append(person())
    mailbox = make_mailbox(agency, imap_account)

    result = services.mailbox_poll(mailbox.pk)

    assert (result.status, result.imported, result.automatic) == ("ok", 1, 3)
    [item] = InboundMessage.objects.filter(agency=agency)
    assert item.subject == "Góp ý dự thảo"
    bounced.refresh_from_db()
    other.refresh_from_db()
    assert (bounced.status, other.status) == (Delivery.Status.BOUNCED, Delivery.Status.SENT)
    assert sorted(MailReport.objects.values_list("kind", flat=True)) == ["auto_reply", "bounce", "delayed"]
    again = services.mailbox_poll(mailbox.pk)  # read once: the next run finds nothing new
    assert (again.imported, again.automatic, MailReport.objects.count()) == (0, 0, 3)
