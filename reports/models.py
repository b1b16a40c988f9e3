from django.db import models


class FactMonth(models.Model):
    """A month of an agency whose facts are in MonthFact, and whether they are out of date.

    PostgreSQL triggers on the documents tables (migration 0002) set `stale` whenever a document, a delivery
    or a lead assignment of that agency and month changes; the report computes stale months again first.
    """

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    stale = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "month"], name="one_fact_month_per_agency")]

    def __str__(self):
        return f"{self.agency_id} {self.month:%m/%Y}{' (stale)' if self.stale else ''}"


class MonthFact(models.Model):
    """Counts of one agency's documents of one month (Vietnam's calendar), by agency, unit or document type.

    Only figures that stay true as days pass are kept; what depends on today (documents overdue but still
    open) and the percentiles are computed from the documents each time.
    """

    class Grain(models.TextChoices):
        AGENCY = "agency"
        UNIT = "unit"
        TYPE = "type"

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    direction = models.CharField(max_length=3)  # out, in
    grain = models.CharField(max_length=6, choices=Grain.choices)
    unit = models.ForeignKey("agencies.Unit", null=True, on_delete=models.CASCADE, related_name="+")
    doc_type = models.CharField(max_length=5, blank=True)
    documents = models.PositiveIntegerField(default=0)
    electronic = models.PositiveIntegerField(default=0)
    on_paper = models.PositiveIntegerField(default=0)
    deliveries = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)
    citizen_replies = models.PositiveIntegerField(default=0)
    # Out: deliveries to agencies of other installations (liên thông), and of those the sent; in: documents
    # that came from another installation (peer_delivered 0).
    peer = models.PositiveIntegerField(default=0)
    peer_delivered = models.PositiveIntegerField(default=0)
    registered = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)  # completed after the due date

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "month", "direction", "grain", "unit", "doc_type"],
                                    name="one_month_fact_per_key", nulls_distinct=False),
        ]
        indexes = [models.Index(fields=["month", "grain"], name="month_fact_month_grain_idx")]

    def __str__(self):
        return f"{self.agency_id} {self.month:%m/%Y} {self.direction} {self.grain}"
