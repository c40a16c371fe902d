"""The register's forms: staff upload an ORUK feed; residents search the directory."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from web.areas.postcodes import normalise
from web.assets.feeds import PLURALS, FeedRefused, kind_from_name
from web.assets.finder import Cost, DirectoryQuery, TimeOfDay
from web.assets.hours import DAY_CODE
from web.assets.search import DAYS, BadQuery, postcode_point
from web.assets.tables import read_feed_file
from web.core.abuse import HoneypotMixin
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
        csv_table = name.lower().endswith(".csv")
        if not csv_table and not cleaned.get("kind") and kind_from_name(name) is None:
            self.add_error("kind", "Choose what the feed holds: its file name does not say")
            return cleaned
        # Read here so that a file that is not a feed at all is refused at once, on the form;
        # checking and storing its records is the import job's work.
        try:
            read_feed_file(upload.read(), name, cleaned.get("kind") or None)
        except FeedRefused as refusal:
            self.add_error("feed", str(refusal))
        return cleaned


DAY_CHOICES = [("", "Any day"), *((code, name.capitalize()) for code, name in DAYS.items())]
TIME_CHOICES = [
    ("", "Any time"),
    (TimeOfDay.MORNING.key, "Morning (before 12 noon)"),
    (TimeOfDay.AFTERNOON.key, "Afternoon (12 noon to 5pm)"),
    (TimeOfDay.EVENING.key, "Evening (after 5pm)"),
]
COST_CHOICES = [("", "Free or paid"), (Cost.FREE.value, "Free"), (Cost.PAID.value, "Paid")]
DISTANCE_CHOICES = [
    ("", "Any distance"),
    ("1", "1 mile"),
    ("2", "2 miles"),
    ("5", "5 miles"),
    ("10", "10 miles"),
]


class DirectorySearchForm(GovukForm):
    search = forms.CharField(
        label="Search for a service",
        help_text="For example: playgroup, speech, food",
        required=False,
        max_length=100,
    )
    postcode = forms.CharField(
        label="Postcode",
        help_text="To see the nearest first, for example SS14 1DL",
        required=False,
        max_length=10,
    )
    distance = forms.ChoiceField(label="Distance", choices=DISTANCE_CHOICES, required=False)
    category = forms.ChoiceField(label="Kind of service", required=False)
    age = forms.IntegerField(
        label="Age",
        help_text="The age, in years, of the person the service is for",
        required=False,
        min_value=0,
        max_value=120,
        error_messages={
            "invalid": "Enter the age as a whole number of years, like 3",
            "min_value": "Age must be 0 or more",
            "max_value": "Age must be 120 or less",
        },
    )
    day = forms.ChoiceField(
        label="Day", choices=DAY_CHOICES, required=False, widget=forms.RadioSelect
    )
    time = forms.ChoiceField(
        label="Time of day", choices=TIME_CHOICES, required=False, widget=forms.RadioSelect
    )
    cost = forms.ChoiceField(
        label="Cost", choices=COST_CHOICES, required=False, widget=forms.RadioSelect
    )
    accessibility = forms.MultipleChoiceField(
        label="Access", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self,
        *args: Any,
        categories: list[tuple[str, str]],
        access: list[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Any kind"), *categories]  # type: ignore[attr-defined]
        self.fields["accessibility"].choices = [(text, text) for text in access]  # type: ignore[attr-defined]

    def clean_postcode(self) -> str:
        text: str = self.cleaned_data.get("postcode", "").strip()
        if not text:
            return ""
        postcode = normalise(text)
        if postcode is None:
            raise forms.ValidationError("Enter a full UK postcode, like SS14 1DL")
        try:
            postcode_point(postcode)
        except BadQuery:
            raise forms.ValidationError(
                f"We do not know the postcode {postcode}: check it, or search without a postcode"
            ) from None
        return postcode

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("distance")
            and not cleaned.get("postcode")
            and "postcode" not in self.errors
        ):
            self.add_error("postcode", "Enter a postcode to find services within a distance of it")
        return cleaned

    def query(self) -> DirectoryQuery:
        data = self.cleaned_data
        distance = data.get("distance")
        chosen_time = data.get("time")
        chosen_cost = data.get("cost")
        return DirectoryQuery(
            search=data.get("search", ""),
            category=data.get("category", ""),
            postcode=data.get("postcode", ""),
            miles=float(distance) if distance else None,
            age=data.get("age"),
            day=data.get("day", ""),
            time_of_day=next((part for part in TimeOfDay if part.key == chosen_time), None),
            cost=Cost(chosen_cost) if chosen_cost else None,
            accessibility=tuple(data.get("accessibility") or ()),
        )


class ErrorReportForm(HoneypotMixin, GovukForm):
    part = forms.ChoiceField(
        label="What is wrong about it?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what is wrong about the service"},
    )
    what_is_wrong = forms.CharField(
        label="Tell us what is wrong",
        help_text="For example: it now meets on Thursdays. Do not include your name or anyone "
        "else's, or any contact details.",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        error_messages={
            "required": "Tell us what is wrong",
            "max_length": "Tell us in 2,000 characters or fewer",
        },
    )

    def __init__(self, *args: Any, parts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["part"].choices = parts  # type: ignore[attr-defined]


class ChangeForm(GovukForm):
    """A proposed change to a record's published fields, with the reason for it. Subclasses
    name the fields; an empty optional field is left out of the record."""

    FIELDS: tuple[str, ...] = ()

    reason = forms.CharField(
        label="Why the change",
        help_text="For example: the report of 3 May, confirmed by phone with the organiser",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Say why the record should change"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The reason last, after the fields it explains.
        self.order_fields([*self.FIELDS, "reason"])

    def wanted(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: (data[name] if data[name] not in ("", None) else None) for name in self.FIELDS
        }

    def belongs_to(self, service_id: str) -> tuple[str, str]:
        """What a record added with this form belongs to (kind and id): the service."""
        return ("service", service_id)


class RemovalForm(ChangeForm):
    """A proposed removal of a record: only the reason."""

    reason = forms.CharField(
        label="Why remove it",
        help_text="For example: the organiser says the evening session has stopped",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Say why the record should be removed"},
    )


class ServiceChangeForm(ChangeForm):
    FIELDS = ("name", "description", "url", "email", "minimum_age", "maximum_age")

    name = forms.CharField(label="Name", max_length=500)
    description = forms.CharField(
        label="What it is", widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
    url = forms.URLField(label="Website", required=False, max_length=500, assume_scheme="https")
    email = forms.EmailField(label="Email", required=False, max_length=300)
    minimum_age = forms.IntegerField(label="Youngest age", required=False, min_value=0)
    maximum_age = forms.IntegerField(label="Oldest age", required=False, min_value=0)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("minimum_age"), cleaned.get("maximum_age")
        if low is not None and high is not None and low > high:
            self.add_error("maximum_age", "The oldest age must be the youngest age or more")
        return cleaned


class LocationChangeForm(ChangeForm):
    FIELDS = ("name", "description")

    name = forms.CharField(label="Name of the place", max_length=500)
    description = forms.CharField(
        label="How to get there",
        help_text="In words, with no links: the nearest bus stop, the door to use, parking",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )


class ScheduleChangeForm(ChangeForm):
    FIELDS = ("byday", "opens_at", "closes_at", "description", "notes")

    byday = forms.CharField(
        label="Days",
        help_text="Day codes, comma-separated: MO, TU, WE, TH, FR, SA, SU; for a monthly "
        "schedule the week first, as 1SA for the first Saturday or -1FR for the last Friday",
        max_length=100,
        required=False,
    )
    opens_at = forms.TimeField(
        label="Opens at",
        help_text="24-hour clock, like 09:30",
        required=False,
        error_messages={"invalid": "Enter the time it opens as hours and minutes, like 09:30"},
    )
    closes_at = forms.TimeField(
        label="Closes at",
        help_text="24-hour clock, like 16:00",
        required=False,
        error_messages={"invalid": "Enter the time it closes as hours and minutes, like 16:00"},
    )
    description = forms.CharField(
        label="When, in words",
        max_length=500,
        required=False,
        help_text="For example: term time only",
    )
    notes = forms.CharField(
        label="Notes",
        help_text="Say here if it is closed on bank holidays",
        max_length=500,
        required=False,
    )

    def clean_byday(self) -> str:
        text: str = self.cleaned_data.get("byday", "")
        codes = [code.strip().upper() for code in text.split(",") if code.strip()]
        wrong = [code for code in codes if not DAY_CODE.match(code)]
        if wrong:
            raise forms.ValidationError(
                f"{', '.join(wrong)} is not a day code: use MO, TU, WE, TH, FR, SA or SU"
            )
        return ",".join(codes)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens is not None and closes is not None and closes <= opens:
            self.add_error("closes_at", "It must close after it opens")
        return cleaned

    def wanted(self) -> dict[str, Any]:
        wanted = super().wanted()
        for name in ("opens_at", "closes_at"):
            if wanted[name] is not None:
                # As ORUK writes times.
                wanted[name] = wanted[name].strftime("%H:%M")
        return wanted


class CostChangeForm(ChangeForm):
    FIELDS = ("option", "amount", "amount_description")

    option = forms.CharField(
        label="What the cost is for",
        help_text="For example: per family, per session",
        max_length=500,
        required=False,
    )
    amount = forms.FloatField(
        label="Amount in pounds",
        help_text="0 when it is free; leave empty when the cost is only in words",
        min_value=0,
        required=False,
        error_messages={"invalid": "Enter the amount as a number of pounds, like 2.50"},
    )
    amount_description = forms.CharField(
        label="The cost in words",
        help_text="For example: free for families on Universal Credit",
        max_length=500,
        required=False,
    )

    def wanted(self) -> dict[str, Any]:
        wanted = super().wanted()
        amount = wanted["amount"]
        if amount is not None and float(amount).is_integer():
            # £2 is written 2 in the feed, as publishers write it, not 2.0.
            wanted["amount"] = int(amount)
        return wanted


class ContactChangeForm(ChangeForm):
    FIELDS = ("name", "title")

    name = forms.CharField(label="Name", max_length=500, required=False)
    title = forms.CharField(
        label="Role", help_text="For example: Group organiser", max_length=500, required=False
    )


class PhoneChangeForm(ChangeForm):
    FIELDS = ("number", "description")

    number = forms.CharField(
        label="Number",
        help_text="As a resident would dial it, like 01268 533911",
        max_length=50,
        error_messages={"required": "Enter the phone number"},
    )
    description = forms.CharField(
        label="About the number",
        help_text="For example: answered on weekday mornings",
        max_length=500,
        required=False,
    )


class PhoneAdditionForm(PhoneChangeForm):
    """A new phone, of the service or of one of its contacts."""

    belongs = forms.ChoiceField(
        label="Whose number it is",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whose number it is"},
    )

    def __init__(self, *args: Any, owners: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["belongs"].choices = owners  # type: ignore[attr-defined]
        self.order_fields(["belongs", *self.FIELDS, "reason"])

    def belongs_to(self, service_id: str) -> tuple[str, str]:
        kind, _, record_id = self.cleaned_data["belongs"].partition(":")
        return (kind, record_id)


# ISO 639-1 (two letters) or ISO 639-3 (three), as HSDS 3.0 asks of a language's code.
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
CODE_ERROR = "Enter the language's ISO 639 code as two or three letters, like pl or pol"


class LanguageChangeForm(ChangeForm):
    FIELDS = ("name", "code", "note")

    name = forms.CharField(
        label="Language", help_text="For example: Polish", max_length=100, required=False
    )
    code = forms.CharField(
        label="Code",
        help_text="The language's two- or three-letter ISO 639 code, like pl",
        max_length=3,
        required=False,
        error_messages={"max_length": CODE_ERROR},
    )
    note = forms.CharField(
        label="Note",
        help_text="For example: on Tuesday mornings only",
        max_length=500,
        required=False,
    )

    def clean_code(self) -> str:
        code: str = self.cleaned_data.get("code", "").strip().lower()
        if code and not LANGUAGE_CODE.fullmatch(code):
            raise forms.ValidationError(CODE_ERROR)
        return code

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("name") and not cleaned.get("code") and "code" not in self.errors:
            self.add_error("name", "Enter the language's name or its code")
        return cleaned


class AccessibilityChangeForm(ChangeForm):
    FIELDS = ("description", "details", "url")

    description = forms.CharField(
        label="Access",
        help_text="For example: Step-free entrance",
        max_length=500,
        error_messages={"required": "Say what access the place has"},
    )
    details = forms.CharField(
        label="More about it",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )
    url = forms.URLField(
        label="Web page about access", required=False, max_length=500, assume_scheme="https"
    )


class CloseReportForm(GovukForm):
    outcome = forms.CharField(
        label="What was done",
        help_text="For example: change proposed; or checked with the organiser, nothing wrong",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Say what was done about the report"},
    )
