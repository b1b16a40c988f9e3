"""The form renderer writes selects without Django's per-option templates, and writes them as those templates do."""

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test.signals import template_rendered
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from core.form_renderer import FormRenderer

CHOICES = [
    ("", "---------"),
    ("Nhóm <các> đơn vị", [(1, "Văn phòng & Vụ Pháp chế"), (2, gettext_lazy("Tất cả"))]),
    (3, mark_safe("<b>in đậm</b>")),
    (2026, 2026),
    (4.5, 1234567),
    ('q"x', datetime.date(2026, 12, 2)),
]
WIDGETS = [
    (forms.Select(choices=CHOICES, attrs={"class": "form-select", "required": True, "disabled": False,
                                          "data-note": 'a"b<c>'}), [None, "", 2, 2026, 4.5, "không có"]),
    (forms.SelectMultiple(choices=CHOICES), [None, [1, 2026], ['q"x']]),
    (forms.NullBooleanSelect(), [None, True, False, "unknown"]),
    (forms.Select(choices=[]), [None]),
]


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize(("widget", "values"), WIDGETS)
def test_selects_are_written_as_djangos_templates_write_them(widget, values, language):
    with translation.override(language):
        for value in values:
            expected = widget.render("f<>", value, attrs={"id": "id_f"}, renderer=DjangoTemplates())
            assert widget.render("f<>", value, attrs={"id": "id_f"}, renderer=FormRenderer()) == expected


def test_a_forms_selects_are_written_without_rendering_an_option_template():
    class Filters(forms.Form):
        agency = forms.ChoiceField(choices=[(n, f"Cơ quan số {n}") for n in range(100)])
        note = forms.CharField()

    rendered = []

    def record(sender, template, context, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(record)
    try:
        html = str(Filters(renderer=FormRenderer()))
    finally:
        template_rendered.disconnect(record)
    assert html.count("<option") == 100
    assert 'value="99">Cơ quan số 99</option>' in html
    assert "django/forms/widgets/select_option.html" not in rendered
    assert "django/forms/widgets/text.html" in rendered  # every other widget keeps its template


def test_an_option_with_a_template_of_its_own_is_rendered_by_it():
    class Marked(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    widget = Marked(choices=[(1, "Một")])
    assert (widget.render("f", 1, renderer=FormRenderer())
            == widget.render("f", 1, renderer=DjangoTemplates()))
