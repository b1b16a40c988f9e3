from django.db import models
from django.utils.translation import gettext_lazy as _


class Register(models.Model):
    """A numbering register (sổ) of an agency: outgoing, secret outgoing, or incoming.

    Numbers run per register per year from 01 on 1 January (RegisterCounter keeps the last one).
    """

    class Kind(models.TextChoices):
        OUTGOING = "outgoing", _("Sổ đăng ký văn bản đi")
        OUTGOING_SECRET = "outgoing_secret", _("Sổ đăng ký văn bản đi mật")
        INCOMING = "incoming", _("Sổ đăng ký văn bản đến")

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="registers")
    kind = models.CharField(_("loại sổ"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("tên sổ"), max_length=255)

    class Meta:
        verbose_name = _("sổ đăng ký")
        verbose_name_plural = _("sổ đăng ký")
        constraints = [models.UniqueConstraint(fields=["agency", "kind"], name="one_register_per_kind")]

    def __str__(self):
        return f"{self.name} – {self.agency.short_name}"


class RegisterCounter(models.Model):
    """The last number given in a register in a year; locked row-wise while a number is taken."""

    register = models.ForeignKey(Register, on_delete=models.CASCADE, related_name="counters")
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["register", "year"], name="one_counter_per_register_year")]

    def __str__(self):
        return f"{self.register} {self.year}: {self.last_number}"
