"""Django's form renderer, with every `<select>` written in Python.

Django renders a select through its widget templates: one include of `select_option.html` and one of `attrs.html`
for every option, about 0.1 ms each. A filter form listing a ministry's hundred agencies spent 12 ms there on every
report page. The HTML written here is the templates' own, character for character: each value goes through
`render_value_in_context` as `{{ … }}` would send it (localized, escaped unless safe). A widget whose select or
options use another template is rendered by its template.
"""

from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.safestring import SafeData, mark_safe

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
# `{{ … }}` in the widget templates: autoescaped, localized, as the form renderer's engine renders them.
_CONTEXT = Context(autoescape=True)


def _text(value):
    return render_value_in_context(value, _CONTEXT)


def _formatted(value):
    """`{{ value|stringformat:'s' }}`: the filter keeps a safe string safe."""
    text = str(value)  # stringformat:"s" of a single value
    return _text(mark_safe(text) if isinstance(value, SafeData) else text)


def _attrs(attrs):
    """django/forms/widgets/attrs.html."""
    return "".join(f" {_text(name)}" if value is True else f' {_text(name)}="{_formatted(value)}"'
                   for name, value in attrs.items() if value is not False)


def select_html(widget):
    """django/forms/widgets/select.html for the widget's context, or None when an option has a template of its
    own."""
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION_TEMPLATE:
                return None
            parts.append(f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                         f'{_text(option["label"])}</option>\n')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class FormRenderer(DjangoTemplates):
    """settings.FORM_RENDERER: Django's DjangoTemplates renderer, selects excepted (select_html)."""

    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE:
            html = select_html(context["widget"])
            if html is not None:
                return html.strip()
        return super().render(template_name, context, request=request)
