"""core.tables2: django-tables2 with cached render signatures and compiled column templates renders the same."""

import datetime

import django_tables2 as tables
import django_tables2.utils as tables2_utils
from django.test import RequestFactory

from core import tables2


class _Table(tables.Table):
    when = tables.DateTimeColumn(format="d/m/Y H:i")
    name = tables.Column()
    size = tables.Column()

    def render_name(self, value):
        return value.upper()

    def render_size(self, record, value):
        return f"{value} of {record['name']}"


def test_installed_by_documents_app():
    assert tables2_utils.signature is tables2.signature


def test_bound_method_signature_drops_self_and_is_cached():
    table = _Table([])
    assert tables2.signature(table.render_size) == (("record", "value"), None)
    assert tables2.signature(table.render_name) == (("value",), None)
    assert tables2.signature(lambda **kw: None) == ((), "kw")
    other = _Table([])
    assert tables2.signature(other.render_size) is tables2.signature(table.render_size)


def test_rendered_cells_unchanged():
    rows = [{"when": datetime.datetime(2026, 3, 4, 5, 6), "name": "a", "size": 1},
            {"when": None, "name": "b", "size": 2}]
    html = _Table(rows).as_html(RequestFactory().get("/"))
    assert "04/03/2026 05:06" in html
    assert "1 of a" in html and "2 of b" in html and ">A<" in html and ">B<" in html
    assert tables2.compiled_template('{{ value|date:"d/m/Y H:i"|default:default }}') is tables2.compiled_template(
        '{{ value|date:"d/m/Y H:i"|default:default }}')
