"""django-tables2 without its per-cell cost: `call_with_appropriate` runs `inspect.signature` on the column's
render function for every cell of every row (500 cells of a register page: about a quarter of the page's time).
A function's signature does not change, so it is computed once per function. Likewise TemplateColumn (and so
every DateColumn/DateTimeColumn) compiles its template_code anew for every cell; the compiled Template is kept."""

import functools

import django_tables2.columns.templatecolumn as tables2_templatecolumn
import django_tables2.utils as tables2_utils
from django.template import Template
from django.template.base import render_value_in_context
from django.utils.safestring import mark_safe

_uncached = tables2_utils.signature


@functools.lru_cache(maxsize=2048)
def _signature_of(func, bound):
    args, keywords = _uncached(func)
    # A bound method's signature is its function's without the first (self) argument.
    return (args[1:] if bound and args else args), keywords


def signature(fn):
    """The (arguments, kwarg name) of `fn` as django_tables2.utils.signature gives them, cached per function."""
    func = getattr(fn, "__func__", None)
    if func is not None and getattr(fn, "__self__", None) is not None:
        key, bound = func, True
    else:
        key, bound = fn, False
    try:
        return _signature_of(key, bound)
    except TypeError:  # not hashable: an object with __call__
        return _uncached(fn)


@functools.lru_cache(maxsize=256)
def compiled_template(template_code):
    """A column's template_code compiled once (a compiled Template is rendered with any context, any thread)."""
    return Template(template_code)


def cache_signatures():
    """Install the cached signature and the compiled column templates into django-tables2 (idempotent)."""
    tables2_utils.signature = signature
    tables2_templatecolumn.Template = compiled_template


def page_cells(table, value_of):
    """(the row's attributes, its cells) of each row of the table's page, as django-tables2's BoundRow gives them
    without its per-cell look-ups: each column's render called on value_of(record, bound column), the column's
    default for an empty value, its link if it has one. Pages write their rows from these (documents/_table.html)."""
    columns = list(table.columns)
    result = []
    for row in table.paginated_rows:
        record, cells = row.record, []
        for column in columns:
            value = value_of(record, column)
            if value in column.column.empty_values:
                cells.append(column.default)
                continue
            arguments = {"value": value, "record": record, "column": column.column, "bound_column": column,
                         "bound_row": row, "table": table}
            content = tables2_utils.call_with_appropriate(column.render, arguments)
            cells.append(column.link(content, **arguments) if column.link else content)
        result.append((row.attrs.as_html(), cells))
    return result


def page_rows_html(table, context):
    """The <tr>s of the table's `page_cells` in one join, each cell written as `{{ cell }}` writes it (in local time,
    localised, escaped unless safe): the template engine's per-cell work (500 cells on a page of 50 rows) was half
    of a long list's rendering."""
    rows = []
    for attrs, cells in table.page_cells:
        tds = "".join(f"<td >{render_value_in_context(cell, context)}</td>" for cell in cells)
        rows.append(f"<tr {attrs}>{tds}</tr>")
    return mark_safe("".join(rows))  # noqa: S308 - every cell escaped above, attrs are django-tables2's safe HTML
