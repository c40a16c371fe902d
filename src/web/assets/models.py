"""The community asset register, in the tables of Open Referral UK (HSDS 3.0, UK profile).

Every record keeps its ORUK id exactly as the feed gave it, and its own one-to-one fields in
``fields`` exactly as published (the feed is the record: exporting it gives back what came
in). Columns beside ``fields`` are the links between records and the few values the register
searches on, read from ``fields`` whenever a record is stored (``web.assets.records``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Record(models.Model):
    """What every register record has."""

    id = models.CharField(primary_key=True, max_length=64)
    fields = models.JSONField(default=dict)
    # When a person last confirmed the record is right; not part of ORUK.
    last_checked = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ("id",)

    def __str__(self) -> str:
        name = self.fields.get("name")
        return str(name) if name else self.id


class ServiceStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    DEFUNCT = "defunct", "Defunct"
    TEMPORARILY_CLOSED = "temporarily closed", "Temporarily closed"


class LocationType(models.TextChoices):
    PHYSICAL = "physical", "Physical"
    POSTAL = "postal", "Postal"
    VIRTUAL = "virtual", "Virtual"


class Frequency(models.TextChoices):
    WEEKLY = "WEEKLY", "Weekly"
    MONTHLY = "MONTHLY", "Monthly"


class Organization(Record):
    name = models.CharField(max_length=500, blank=True)


class OrganizationIdentifier(Record):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="organization_identifiers"
    )


class Service(Record):
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="services"
    )
    name = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=20, choices=ServiceStatus.choices)
    # Eligibility: HSDS 3 keeps the age range on the service itself.
    minimum_age = models.FloatField(null=True, blank=True)
    maximum_age = models.FloatField(null=True, blank=True)
    # The feed's own ``last_modified``, parsed, for ``modified_after``.
    last_modified = models.DateTimeField(null=True, blank=True, db_index=True)


class Location(Record):
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="locations"
    )
    name = models.CharField(max_length=500, blank=True)
    location_type = models.CharField(max_length=10, choices=LocationType.choices)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # A refuge or another place whose address must stay private: never in a public page or
    # feed. Set by staff; no feed can clear it.
    sensitive = models.BooleanField(default=False)

    class Meta(Record.Meta):
        # A search near a postcode asks first for the places in a box of latitude and
        # longitude around it (search.within_box).
        indexes = (models.Index(fields=("latitude", "longitude"), name="location_position"),)


class ServiceAtLocation(Record):
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="service_at_locations"
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="service_at_locations"
    )


class Contact(Record):
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts"
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts"
    )
    service_at_location = models.ForeignKey(
        ServiceAtLocation, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts"
    )


class Phone(Record):
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    service_at_location = models.ForeignKey(
        ServiceAtLocation, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )


class Address(Record):
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="addresses")
    postal_code = models.CharField(max_length=20, blank=True, db_index=True)


class Schedule(Record):
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules"
    )
    service_at_location = models.ForeignKey(
        ServiceAtLocation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="schedules",
    )
    freq = models.CharField(max_length=10, choices=Frequency.choices, blank=True)
    # RFC 5545 day codes as given, e.g. "MO,WE".
    byday = models.CharField(max_length=100, blank=True)
    opens_at = models.TimeField(null=True, blank=True)
    closes_at = models.TimeField(null=True, blank=True)


class CostOption(Record):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="cost_options")


class Funding(Record):
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="funding"
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="funding"
    )


class Language(Record):
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="languages"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="languages"
    )
    phone = models.ForeignKey(
        Phone, null=True, blank=True, on_delete=models.CASCADE, related_name="languages"
    )


class Accessibility(Record):
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="accessibility")

    class Meta(Record.Meta):
        verbose_name_plural = "accessibility"


class ServiceArea(Record):
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="service_areas"
    )
    service_at_location = models.ForeignKey(
        ServiceAtLocation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="service_areas",
    )


class Taxonomy(Record):
    name = models.CharField(max_length=500, blank=True)

    class Meta(Record.Meta):
        verbose_name_plural = "taxonomies"


class TaxonomyTerm(Record):
    taxonomy = models.ForeignKey(
        Taxonomy, null=True, blank=True, on_delete=models.SET_NULL, related_name="taxonomy_terms"
    )
    name = models.CharField(max_length=500, blank=True)


class Attribute(Record):
    """Links any record (``link_id``) to a taxonomy term: how ORUK categorises services."""

    link_id = models.CharField(max_length=64, db_index=True)
    taxonomy_term = models.ForeignKey(
        TaxonomyTerm, on_delete=models.CASCADE, related_name="attributes"
    )


class RegisterVersion(models.Model):
    """One row whose ``version`` the database itself moves on by every write to a register
    table (triggers installed by ``web.assets.freshness``), in the writing transaction: a page
    cached under one version can never be served once a later write is committed, whichever
    way the write was made (a feed, an approved change, ``QuerySet.update()``, plain SQL)."""

    version = models.BigIntegerField()

    def __str__(self) -> str:
        return f"Register version {self.version}"


class FeedFormat(models.TextChoices):
    JSON = "json", "JSON (as the ORUK API returns it)"
    CSV = "csv", "CSV tables"


class FeedImport(models.Model):
    """One import of an ORUK feed: what came in and what became of it."""

    imported_at = models.DateTimeField(auto_now_add=True, db_index=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(max_length=300)
    feed_format = models.CharField(max_length=10, choices=FeedFormat.choices)
    received = models.PositiveIntegerField()
    stored = models.PositiveIntegerField()
    refused = models.PositiveIntegerField()
    unchanged = models.PositiveIntegerField()
    # Records stored per ORUK table, nested ones included, e.g. {"schedule": 3}.
    written = models.JSONField(default=dict)

    class Meta:
        ordering = ("-imported_at", "-id")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(received=models.F("stored") + models.F("refused")),
                name="feed_import_counts_add_up",
            ),
        )

    def __str__(self) -> str:
        return f"{self.source} ({self.imported_at:%Y-%m-%d %H:%M})"


class RefusedRecord(models.Model):
    """A record the ORUK schemas refused: kept as published, with where and why."""

    feed_import = models.ForeignKey(FeedImport, on_delete=models.CASCADE, related_name="refusals")
    path = models.CharField(max_length=500)
    reason = models.TextField()
    # As published; a feed's bare ``null`` in place of a record is kept as NULL.
    record = models.JSONField(null=True)

    class Meta:
        ordering = ("feed_import", "id")

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class ReportStatus(models.TextChoices):
    OPEN = "open", "To handle"
    CLOSED = "closed", "Handled"


class ErrorReport(models.Model):
    """Someone's word that a public record is wrong. Anyone may send one, with no account;
    it holds what they typed and which part of the record, nothing about who they are."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="error_reports")
    # Which part of the record: one of ``web.assets.reports.PARTS`` or a public location's id.
    part = models.CharField(max_length=64)
    what_is_wrong = models.TextField(max_length=2000)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN, db_index=True
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # What staff did about it, for the next person who reads it.
    outcome = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ("-received_at", "-id")

    def __str__(self) -> str:
        return f"Report on {self.service_id} ({self.received_at:%Y-%m-%d})"


class ChangeStatus(models.TextChoices):
    PROPOSED = "proposed", "Waiting for approval"
    APPROVED = "approved", "Approved and published"
    REJECTED = "rejected", "Rejected"


class ChangedKind(models.TextChoices):
    """The records of a service staff may change: its own, one of its places, its times, its
    costs, its contacts and their phones, the access at its places and its languages. Each
    value is the ORUK table's name in ``web.assets.records.KINDS``."""

    SERVICE = "service", "The service"
    LOCATION = "location", "A place"
    SCHEDULE = "schedule", "Opening times"
    COST_OPTION = "cost_option", "A cost"
    CONTACT = "contact", "A contact"
    PHONE = "phone", "A phone number"
    ACCESSIBILITY = "accessibility", "Access at a place"
    LANGUAGE = "language", "A language"


class ChangeOperation(models.TextChoices):
    """What a change does to its record: changes its fields, adds it or removes it."""

    EDIT = "edit", "Change"
    ADD = "add", "Add"
    REMOVE = "remove", "Remove"


class RecordChange(models.Model):
    """A change to the published fields of a service, or of one of its parts (``ChangedKind``),
    or a part added to it or removed from it (``ChangeOperation``), that one member of staff
    proposes and another approves. Until then the register, and so every page, feed and
    export, keeps the last approved version: the change lives here, not in the record."""

    # The service the change is about, for its history; the record changed may be one of its
    # parts.
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20, choices=ChangedKind.choices)
    operation = models.CharField(
        max_length=10, choices=ChangeOperation.choices, default=ChangeOperation.EDIT
    )
    # For an addition, the id the new record will have, given when it is proposed.
    record_id = models.CharField(max_length=64)
    # Field by field: the values when proposed, and the values proposed ({"name": ...}). An
    # addition has nothing before; a removal keeps the record as published, with the parts it
    # takes with it (a contact's phones), and nothing after.
    before = models.JSONField()
    after = models.JSONField()
    # For an addition, the record the new one belongs to: the service, or one of its contacts
    # for a phone. Empty otherwise.
    parent_kind = models.CharField(max_length=20, choices=ChangedKind.choices, blank=True)
    parent_id = models.CharField(max_length=64, blank=True)
    reason = models.TextField(max_length=2000)
    report = models.ForeignKey(
        ErrorReport, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(
        max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PROPOSED, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-proposed_at", "-id")
        constraints = (
            # Approval by a second person is the whole point of the step.
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("proposed_by")),
                name="record_change_decided_by_another",
            ),
            # An addition says what the new record belongs to; nothing else does.
            models.CheckConstraint(
                condition=(
                    models.Q(operation="add") & ~models.Q(parent_kind="") & ~models.Q(parent_id="")
                )
                | (~models.Q(operation="add") & models.Q(parent_kind="", parent_id="")),
                name="record_change_addition_has_parent",
            ),
        )

    def __str__(self) -> str:
        return f"Change to {self.service_id} ({self.get_status_display()})"

    @property
    def title(self) -> str:
        """What the change is about, in words: "A cost", "A cost added", "A cost removed"."""
        kind = self.get_kind_display()
        if self.operation == ChangeOperation.ADD:
            return f"{kind} added"
        if self.operation == ChangeOperation.REMOVE:
            return f"{kind} removed"
        return kind
