"""Model fields shared by the apps."""

from django.apps import apps
from django.db import models, transaction

from .text import nfc as nfc_text


def nfc(value):
    """Text in NFC (core.text.nfc); anything else, None included, unchanged."""
    return nfc_text(value) if isinstance(value, str) else value


class _NFCText:
    """Keeps a text field's value in NFC whatever path writes it: forms, services, admin, imports, lookups.
    To the database and to migrations the field stays the plain Django field (`plain`): only the text changes."""

    plain = ""

    def to_python(self, value):
        return nfc(super().to_python(value))

    def get_prep_value(self, value):
        return nfc(super().get_prep_value(value))

    def pre_save(self, model_instance, add):
        value = nfc(super().pre_save(model_instance, add))
        setattr(model_instance, self.attname, value)  # the object shown after saving is NFC too
        return value

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, self.plain, args, kwargs


class NFCCharField(_NFCText, models.CharField):
    """A CharField kept in NFC."""

    plain = "django.db.models.CharField"


class NFCTextField(_NFCText, models.TextField):
    """A TextField kept in NFC (notes, the content of a schedule entry)."""

    plain = "django.db.models.TextField"


def names_normalise():
    """Rewrite in NFC every NFCCharField value stored before the field was one; returns {label: rows changed}."""
    counts = {}
    for model in apps.get_models():
        names = [f.attname for f in model._meta.concrete_fields if isinstance(f, _NFCText)]
        if not names:
            continue
        with transaction.atomic():
            changed = []
            for row in model._default_manager.select_for_update().only("pk", *names).iterator():
                values = {name: getattr(row, name) for name in names}
                if any(nfc(value) != value for value in values.values()):
                    changed.append(row)  # the field's get_prep_value writes NFC
            model._default_manager.bulk_update(changed, names, batch_size=500)
        counts[model._meta.label] = len(changed)
    return counts
