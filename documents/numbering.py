"""Taking the next number from a register: unique and gap-free per register per year, in issue order.

The register row is locked (SELECT … FOR UPDATE) inside the caller's transaction, and only then is
the time read and the year decided, so a later number never carries an earlier time or the previous
year. A number is only used if that transaction commits; if anything fails afterwards it goes back.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from .models import Register, RegisterCounter


@dataclass(frozen=True)
class Number:
    value: int
    year: int
    at: datetime.datetime


def register_for(agency, kind):
    # The stored name is the register's official (Vietnamese) name whoever opens it first; pages show
    # the kind's label, translated when displayed.
    with translation.override(settings.LANGUAGE_CODE):
        name = str(Register.Kind(kind).label)
    register, _created = Register.objects.get_or_create(agency=agency, kind=kind, defaults={"name": name})
    return register


def clock():
    """The time a number is given; read only while the register is locked."""
    return timezone.now()


def number_take(register):
    """Lock `register`, read the time and take the next number of that time's year (in Vietnam).

    Call inside transaction.atomic; the number, its year and its time go together into the record."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_take must run inside a transaction")
    # The register, not the year's counter, is the lock: the year is only known once the time is read.
    # NO KEY UPDATE serializes the takers without holding up rows that merely point at the register.
    Register.objects.select_for_update(no_key=True).filter(pk=register.pk).values_list("pk", flat=True).get()
    at = clock()
    year = timezone.localdate(at, timezone.get_default_timezone()).year
    # Create the year's counter without racing: a concurrent creator makes this a no-op.
    RegisterCounter.objects.bulk_create([RegisterCounter(register=register, year=year)], ignore_conflicts=True)
    counter = RegisterCounter.objects.select_for_update().get(register=register, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return Number(counter.last_number, year, at)
