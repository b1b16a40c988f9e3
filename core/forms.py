"""Glue between forms and services: a service's ValidationError lands on the form that fed it."""

from django.core.exceptions import ValidationError


def add_service_errors(form, exc: ValidationError):
    """Put each error on its field when the form has one, else on the form as a whole."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def run_service(form, action):
    """Call `action()`; on ValidationError record it on the form and return None."""
    try:
        return action()
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None
