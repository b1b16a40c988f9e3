"""Model fields shared by the apps."""

from django.apps import apps
from django.db import models, transaction

from .text import nfc as nfc_text


def nfc(value):
    """Text in NFC (core.text.nfc); anything else, None included, unchanged."""
    return nfc_text(value) if isinstance(value, str) else value


class NFCCharField(models.CharField):
    """A CharField kept in NFC whatever path writes it: forms, services, admin, imports, lookups.

    It is a plain CharField to the database and to migrations (deconstruct says so): only the text changes.
    """

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
        return name, "django.db.models.CharField", args, kwargs


class NFCTextField(models.TextField):
    """NFCCharField's rule for longer text (notes, content of a schedule entry)."""

    # Methods of their own: NFCCharField's call super() bound to NFCCharField, which a TextField is not.
    def to_python(self, value):
        return nfc(super().to_python(value))

    def get_prep_value(self, value):
        return nfc(super().get_prep_value(value))

    def pre_save(self, model_instance, add):
        value = nfc(super().pre_save(model_instance, add))
        setattr(model_instance, self.attname, value)
        return value

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.TextField", args, kwargs


def names_normalise():
    """Rewrite in NFC every NFCCharField value stored before the field was one; returns {label: rows changed}."""
    counts = {}
    for model in apps.get_models():
        names = [f.attname for f in model._meta.concrete_fields if isinstance(f, (NFCCharField, NFCTextField))]
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
