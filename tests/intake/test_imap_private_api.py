"""intake.imap connects IMAPClient to an address checked beforehand through IMAPClient's private
`_create_IMAP4` (it has no public hook for that): an upgrade that changes it fails here, by name."""

import inspect
from importlib.metadata import version

from imapclient import IMAPClient

from intake import imap


def test_imapclient_still_opens_its_connection_in_create_imap4():
    assert version("IMAPClient") == "4.1.0", "re-check intake/imap.py's _PinnedClient"
    source = inspect.getsource(IMAPClient.__init__)
    assert "self._timeout = timeout" in source and "self._imap = self._create_IMAP4()" in source
    assert imap._PinnedClient._create_IMAP4 is not IMAPClient._create_IMAP4
