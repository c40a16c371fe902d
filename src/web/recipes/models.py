"""Recipe packs as the web app holds them: the signed file exactly as verified, for anyone to
download, and what the recipes page shows of it. A pack holds settings, templates and documents
about a model, never a row about a person (the library's scan, run again at import, refuses
one). One pack per recipe is served: importing another replaces it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class RecipePack(models.Model):
    recipe = models.CharField(max_length=64, unique=True)
    version = models.CharField(max_length=32)
    title = models.CharField(max_length=200)
    # The recipe's question in its own words, from the pack's recipe.yaml.
    question = models.TextField(blank=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    # The id of the trusted key whose signature over the manifest held.
    signed_by = models.CharField(max_length=16)
    manifest = models.JSONField()
    # The pack's model/model_card.json: the validation figures the page shows come from it.
    model_card = models.JSONField()
    # What baking the recipe needs, per source, in the pack's own words (see importer.Need).
    needs = models.JSONField()
    # The pack's insight/summary.json (``bakehouse.packs.insight``): what the publishing
    # partnership published of its communities' views; None when the pack carries none.
    insight = models.JSONField(null=True, blank=True)
    content = models.BinaryField()
    imported_at = models.DateTimeField(default=timezone.now)
    # Blank when imported from the command line without naming an account.
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("title", "recipe")

    def __str__(self) -> str:
        return f"{self.title} pack (version {self.version})"

    @property
    def filename(self) -> str:
        return f"{self.recipe}-{self.version}.zip"
