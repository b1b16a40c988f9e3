"""Private APIs of libraries we rely on (each use says why in its module): an upgrade that changes one fails
here, by name, rather than somewhere deep in signing or sending."""

import inspect
import smtplib
from importlib.metadata import version
from io import BytesIO

from pyhanko.pdf_utils.font.opentype import CIDFontType2, GlyphAccumulator
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from pki import signing
from tests.documents.conftest import pdf_bytes


def test_smtplib_quote_periods_stuffs_dots_as_smtp_data_does():
    """documents.mail_delivery.BuiltMessage stuffs each part with it once, instead of SMTP.data() per message."""
    assert smtplib._quote_periods(b".a\r\nb.\r\n..c\r\n") == b"..a\r\nb.\r\n...c\r\n"
    assert "_quote_periods" in inspect.getsource(smtplib.SMTP.data)


def test_pyhanko_font_internals_the_stamp_font_sets_are_still_there():
    """pki.signing embeds a pre-cut font subset by setting these (pyHanko has no public hook for it)."""
    assert version("pyHanko") == "0.38.0", "re-check pki/signing.py's _PrecutCIDFont and _PrecutGlyphAccumulator"
    assert "self._font_descriptor = " in inspect.getsource(CIDFontType2.__mro__[1].__init__)
    assert "_font_descriptor[pdf_name('/FontFile2')]" in inspect.getsource(CIDFontType2.set_font_file)
    assert "self._subset_created" in inspect.getsource(GlyphAccumulator.__init__)
    assert "if not self._subset_created" in inspect.getsource(GlyphAccumulator.prepare_write)


def test_the_stamp_font_is_embedded_as_cut_in_advance():
    """The pre-cut font goes into the PDF as it is: the engine never cuts a subset of its own."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes()))
    engine = signing.StampFont(font_file=str(signing.SERIF)).create_font_engine(writer)
    assert engine._subset_created and isinstance(engine.cidfont_obj, signing._PrecutCIDFont)


def test_pyhanko_lazy_session_keeps_its_session_where_the_cached_tls_session_sets_it():
    """pki.http_session.CachedTlsSession fills LazySession._session itself (pyHanko builds a TLS context per
    session in LazySession.get_session; ours is built once per process)."""
    from pyhanko_certvalidator.fetchers.aiohttp_fetchers.util import LazySession

    from pki.http_session import CachedTlsSession

    assert "self._session" in inspect.getsource(LazySession.get_session)
    assert "self._session = None" in inspect.getsource(LazySession.close)
    assert CachedTlsSession()._session is None
