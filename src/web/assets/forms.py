"""The form staff upload an ORUK feed with."""

from __future__ import annotations

from typing import Any

from django import forms

from web.assets.feeds import PLURALS, Feed, FeedRefused, kind_from_name, read_json_feed
from web.assets.tables import read_csv_table
from web.core.forms import GovukForm

# A whole county's register as JSON is a few megabytes.
MAX_BYTES = 20 * 1024 * 1024


class FeedUploadForm(GovukForm):
    feed = forms.FileField(
        label="ORUK feed (.json) or table (.csv)",
        help_text="A page, a list of records or one record, as an ORUK API returns it; or one "
        "of the standard's CSV tables, named as the standard names it (services.csv).",
        error_messages={"required": "Choose the feed file to upload"},
    )
    kind = forms.ChoiceField(
        label="What the feed holds",
        help_text="Leave as it is when the file's name says (for example service_list.json).",
        choices=[("", "As the file name says"), *((kind, PLURALS[kind]) for kind in PLURALS)],
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("feed")
        if upload is None:
            return cleaned
        if upload.size > MAX_BYTES:
            self.add_error("feed", "The feed must be smaller than 20 MB: split it by kind")
            return cleaned
        name = upload.name or "upload.json"
        if name.lower().endswith(".csv"):
            try:
                cleaned["parsed"] = read_csv_table(upload.read(), name)
            except FeedRefused as refusal:
                self.add_error("feed", str(refusal))
            return cleaned
        if not cleaned.get("kind") and kind_from_name(name) is None:
            self.add_error("kind", "Choose what the feed holds: its file name does not say")
            return cleaned
        try:
            cleaned["parsed"] = read_json_feed(upload.read(), name, cleaned.get("kind") or None)
        except FeedRefused as refusal:
            self.add_error("feed", str(refusal))
        return cleaned

    def parsed_feed(self) -> Feed:
        feed: Feed = self.cleaned_data["parsed"]
        return feed


class DirectorySearchForm(GovukForm):
    search = forms.CharField(
        label="Search for a service",
        help_text="For example: playgroup, speech, food",
        required=False,
        max_length=100,
    )
    category = forms.ChoiceField(label="Kind of service", required=False)

    def __init__(self, *args: Any, categories: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Any kind"), *categories]  # type: ignore[attr-defined]
