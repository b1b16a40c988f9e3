"""Model fields shared by the apps."""

import unicodedata

from django.db import models


def nfc(value):
    """Unicode NFC: one code point for "ễ", as every page, search and e-mail header expects (macOS and some
    Vietnamese keyboards send NFD, a base letter followed by combining marks)."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


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
