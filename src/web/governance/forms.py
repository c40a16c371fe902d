from __future__ import annotations

from typing import Any

from django import forms

from web.core.forms import DateField, GovukForm
from web.governance.models import Action
from web.governance.services import EventFilter


class AuditTrailFilterForm(GovukForm):
    action = forms.ChoiceField(
        label="Action", choices=[("", "All actions"), *Action.choices], required=False
    )
    username = forms.CharField(
        label="Username",
        required=False,
        max_length=150,
        help_text="The whole username, as the person typed it when signing in.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "spellcheck": "false"}),
    )
    since = DateField(label="From", required=False, help_text="For example, 27 3 2026")
    until = DateField(label="To", required=False, help_text="For example, 31 3 2026")
    text = forms.CharField(
        label="Record or detail contains",
        required=False,
        max_length=200,
        help_text="For example accounts.user, or words from the detail.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "The ‘to’ date must be the same as or after the ‘from’ date")
        return cleaned

    def event_filter(self) -> EventFilter:
        """The filter for a valid form."""
        data = self.cleaned_data
        return EventFilter(
            action=data["action"],
            username=data["username"].strip(),
            since=data["since"],
            until=data["until"],
            text=data["text"].strip(),
        )
