"""Taking the next number from a register: unique and gap-free per register per year.

The counter row is locked (SELECT … FOR UPDATE) inside the caller's transaction, so a number is
only used if that transaction commits; if anything fails afterwards the number goes back.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from .models import Register, RegisterCounter

REGISTER_NAMES = {
    Register.Kind.OUTGOING: _("Sổ đăng ký văn bản đi"),
    Register.Kind.OUTGOING_SECRET: _("Sổ đăng ký văn bản đi mật"),
    Register.Kind.INCOMING: _("Sổ đăng ký văn bản đến"),
}


def register_for(agency, kind):
    register, _created = Register.objects.get_or_create(
        agency=agency, kind=kind, defaults={"name": str(REGISTER_NAMES[kind])}
    )
    return register


def number_take(register, year):
    """Return the next number of `register` in `year`; call inside transaction.atomic."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_take must run inside a transaction")
    # Create the year's counter without racing: a concurrent creator makes this a no-op.
    RegisterCounter.objects.bulk_create([RegisterCounter(register=register, year=year)], ignore_conflicts=True)
    counter = RegisterCounter.objects.select_for_update().get(register=register, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number
