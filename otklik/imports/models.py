"""An import of a customers, products, purchases or complaints file, from upload to the last row written."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.accounts.models import Organization
from otklik.imports.mapping import KINDS


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Columns to choose")
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """One uploaded file; the file itself stays under VAR_DIR/imports, never in the database."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("what the file holds"), max_length=20, choices=list(KINDS.items()))
    original_name = models.CharField(_("file"), max_length=255)
    stored_name = models.CharField(max_length=255)  # relative to VAR_DIR/imports
    size = models.BigIntegerField(default=0)
    file_format = models.CharField(max_length=10)
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    header = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)  # field name → column index
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    checked = models.BooleanField(default=False)  # a dry run of the current mapping found no bad row
    rows_total = models.PositiveIntegerField(default=0)
    errors_total = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)  # [[row, [reasons]], …], the first ones only
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)  # why the file as a whole failed
    samples = models.JSONField(default=list)  # the first data rows, read at upload: the page never reads the file
    # How dates are written: chosen at the mapping step ("" = decided from the whole column by the check).
    date_format = models.CharField(max_length=10, blank=True)
    dates_read_as = models.CharField(max_length=10, blank=True)  # what the check decided, for the import
    date_question = models.JSONField(default=list)  # example dates when the check could not tell the order
    without_customer = models.CharField(max_length=10, default="anonymous")  # a key of cleaning.WITHOUT_CUSTOMER
    new_locations = models.CharField(max_length=10, default="add")  # a key of cleaning.NEW_LOCATIONS
    # The locations the file names that were not set up: added by the import, or (checked) to be added.
    locations_added = models.JSONField(default=list)
    # Complaints: alert the responsible people and thank the customers (old complaints typed up in bulk: no).
    notify = models.BooleanField(default=False)
    skipped = models.PositiveIntegerField(default=0)  # rows without a customer, left out
    anonymous = models.PositiveIntegerField(default=0)  # rows without a customer, imported without one
    kinds = models.JSONField(default=dict)  # {kind: {created, updated, unchanged}} of the import
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.kind})"

    @property
    def format_label(self) -> str:
        """What the file is, as people name it: "XLSX", "CSV", "1C CommerceML, orders"."""
        from otklik.imports.readers import FileFormat

        return FileFormat(self.file_format).describe() if self.file_format != "csv" else "CSV"

    @property
    def running(self) -> bool:
        return self.status in (ImportStatus.CHECKING, ImportStatus.IMPORTING)


class ImportSettings(models.Model):
    """What an organization answered at an earlier import, offered again for the next file."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="import_settings")
    # "dmy" or "mdy": the answer for a date column that reads both ways (every day is 12 or less).
    date_format = models.CharField(max_length=10, blank=True)
    without_customer = models.CharField(max_length=10, blank=True)
    new_locations = models.CharField(max_length=10, blank=True)

    def __str__(self) -> str:
        return f"{self.organization}: {self.date_format or '-'}"
