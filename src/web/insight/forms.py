"""The forms of validation rounds: a participant's contribution, staff's round and response,
a moderator's decisions, and analysts' decisions on themes."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from shapely.geometry import Point, shape

from bakehouse.insight.screening import Kind
from web.areas.postcodes import lsoa_for, normalise
from web.core.abuse import HoneypotMixin
from web.core.forms import DateField, GovukForm
from web.insight.contributions import AboutYou, Given
from web.insight.models import (
    AgeBand,
    ChildrenUnderFive,
    Codebook,
    EthnicGroup,
    ParticipantRole,
    RejectReason,
    Round,
    RoundArea,
    Theme,
    ThemeState,
    Verdict,
)
from web.releases.models import Area, Release

TEXT_LIMIT = 2000
_LSOA_CODE = re.compile(r"E0\d{7}")


def _text(label: str, help_text: str, required_message: str | None = None) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required_message is not None,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": required_message or "",
            "max_length": "Write 2,000 characters or fewer",
        },
    )


SKIP = ("", "Prefer not to say")


def _about(label: str, choices: list[tuple[str, str]]) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=[*choices, SKIP], required=False, widget=forms.RadioSelect
    )


class ContributionForm(HoneypotMixin, GovukForm):
    """What a participant says about one area. ``round_areas`` offers the areas to choose
    from; a participant changing their own contribution has its area already."""

    area = forms.ChoiceField(
        label="Which area are you telling us about?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the area you are telling us about"},
    )
    verdict = forms.ChoiceField(
        label="Does the flag match what you know about this area?",
        choices=Verdict.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the flag matches what you know"},
    )
    reasons = _text(
        "Why do you say that?",
        "Do not include your name or anyone else's, addresses or contact details.",
        "Tell us why you say that",
    )
    local_knowledge = _text(
        "What do you know about this area that the figures might miss? (optional)",
        "For example: a new estate, a group that closed, a bus route that stopped.",
    )
    participant_role = forms.ChoiceField(
        label="Which describes you best?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose which describes you best"},
    )
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    # "About you": each optional, to see who the round did not hear (ADR 0042).
    age_band = _about("How old are you? (optional)", AgeBand.choices)
    ethnic_group = _about("What is your ethnic group? (optional)", EthnicGroup.choices)
    children_under_five = _about(
        "Do you have children under five? (optional)", ChildrenUnderFive.choices
    )
    postcode = forms.CharField(
        label="Your postcode (optional)",
        help_text="We keep only the small area it is in, never the postcode itself.",
        required=False,
        max_length=12,
    )
    forget_home_area = forms.BooleanField(
        label="Forget the area of the postcode I gave before", required=False
    )
    consent = forms.BooleanField(
        label="I have read the privacy notice and agree to what I write being published "
        "without my name, after a moderator has read it",
        error_messages={"required": "Tick the box to say you have read the privacy notice"},
    )

    def __init__(
        self,
        *args: Any,
        round_: Round,
        round_areas: list[RoundArea] | None,
        ask_consent: bool = True,
        home_area: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.round = round_
        self.round_areas = {item.lsoa11cd: item for item in round_areas or []}
        if round_areas is None:
            del self.fields["area"]
        else:
            self.fields["area"].choices = [  # type: ignore[attr-defined]
                (item.lsoa11cd, item.lsoa11nm) for item in round_areas
            ]
        self.fields["participant_role"].choices = [  # type: ignore[attr-defined]
            (role.value, role.label)
            for role in ParticipantRole
            if role.value in round_.invited_roles
        ]
        if not ask_consent:
            del self.fields["consent"]
        # Only a participant changing a view that holds a home area may ask to forget it.
        self.home_area = home_area
        if not home_area:
            del self.fields["forget_home_area"]
        self.fixed_area: RoundArea | None = None

    def chosen_area(self) -> RoundArea:
        if self.fixed_area is not None:
            return self.fixed_area
        return self.round_areas[self.cleaned_data["area"]]

    def clean_postcode(self) -> str:
        """The LSOA of the postcode given, or blank; the postcode goes no further."""
        text: str = self.cleaned_data.get("postcode", "").strip()
        if not text:
            return ""
        postcode = normalise(text)
        if postcode is None:
            raise forms.ValidationError("Enter a full UK postcode, like SS14 1DL, or leave it out")
        found = lsoa_for(postcode)
        if found is None:
            raise forms.ValidationError("We do not know this postcode: check it, or leave it out")
        return found

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if (latitude is None) != (longitude is None):
            raise forms.ValidationError("Choose a point on the map again, or leave it out")
        if latitude is not None and longitude is not None and not self.errors:
            area = Area.objects.only("geometry").get(
                release=self.round.release, lsoa11cd=self.chosen_area().lsoa11cd
            )
            if not shape(area.geometry).contains(Point(longitude, latitude)):
                self.add_error(
                    None, "The point you chose is outside the area: choose one inside it"
                )
        return cleaned

    def given(self) -> Given:
        data = self.cleaned_data
        return Given(
            verdict=data["verdict"],
            participant_role=data["participant_role"],
            reasons=data["reasons"],
            local_knowledge=data["local_knowledge"],
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            about=AboutYou(
                age_band=data["age_band"],
                ethnic_group=data["ethnic_group"],
                children_under_five=data["children_under_five"],
                home_lsoa11cd=self._home_area(),
            ),
        )

    def _home_area(self) -> str:
        """A new postcode's area; else, when changing a view, the area kept before unless the
        participant asked to forget it."""
        given: str = self.cleaned_data["postcode"]
        if given or self.cleaned_data.get("forget_home_area"):
            return given
        return self.home_area


class RoundForm(GovukForm):
    release = forms.ModelChoiceField(
        label="Release",
        help_text="Every area the release flags is in the round.",
        queryset=Release.objects.public(),
        empty_label=None,
    )
    question = forms.CharField(
        label="Question",
        max_length=300,
        initial="Do the areas flagged match what you know locally?",
    )
    opens_on = DateField(label="Opens")
    closes_on = DateField(label="Closes")
    retention_days = forms.IntegerField(
        label="Days to keep contributions after the round closes",
        min_value=1,
        max_value=730,
        initial=180,
    )
    invited_roles = forms.MultipleChoiceField(
        label="Who is invited",
        choices=ParticipantRole.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose who is invited"},
    )
    practitioner_groups = forms.CharField(
        label="Practitioner groups invited (optional)",
        help_text="For example: health visitors, family hubs, primary school staff",
        max_length=300,
        required=False,
    )
    moderate_unflagged = forms.BooleanField(
        label="Publish unflagged contributions only after moderation",
        help_text="Contributions where screening found personal details always wait for a "
        "moderator.",
        required=False,
        initial=True,
    )
    added_codes = forms.CharField(
        label="Other areas to add (optional)",
        help_text="LSOA codes from the release, separated by spaces or commas",
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["opens_on"].error_messages["required"] = "Enter the date the round opens"
        self.fields["closes_on"].error_messages["required"] = "Enter the date the round closes"

    def clean_added_codes(self) -> tuple[str, ...]:
        raw = self.cleaned_data.get("added_codes", "")
        codes = tuple(dict.fromkeys(code for code in re.split(r"[\s,]+", raw.upper()) if code))
        bad = [code for code in codes if not _LSOA_CODE.fullmatch(code)]
        if bad:
            raise forms.ValidationError(f"These are not LSOA codes: {', '.join(bad)}")
        return codes

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        opens: date | None = cleaned.get("opens_on")
        closes: date | None = cleaned.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", "The round must close on or after the day it opens")
        release: Release | None = cleaned.get("release")
        codes = cleaned.get("added_codes") or ()
        if release is not None and codes:
            known = set(release.areas.filter(lsoa11cd__in=codes).values_list("lsoa11cd", flat=True))
            missing = [code for code in codes if code not in known]
            if missing:
                self.add_error("added_codes", f"Not areas of this release: {', '.join(missing)}")
        return cleaned


class AddAreaForm(GovukForm):
    area = forms.ChoiceField(label="Add an area to the round")

    def __init__(self, *args: Any, round_: Round, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        taken = set(round_.areas.values_list("lsoa11cd", flat=True))
        self.fields["area"].choices = [  # type: ignore[attr-defined]
            (area.lsoa11cd, f"{area.lsoa11nm} ({area.lsoa11cd})")
            for area in round_.release.areas.defer("geometry").order_by("lsoa11nm")
            if area.lsoa11cd not in taken
        ]


class ResponseForm(GovukForm):
    you_said = forms.CharField(
        label="You said",
        help_text="A summary of what people said, in your words. Name nobody.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=TEXT_LIMIT,
    )
    we_did = forms.CharField(
        label="We did",
        help_text="What the partnership did or will do, and when.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=TEXT_LIMIT,
    )


class ApproveForm(GovukForm):
    note = forms.CharField(label="Note (optional)", max_length=500, required=False)


class RejectForm(GovukForm):
    reason = forms.ChoiceField(
        label="Why is it not published?",
        choices=RejectReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why it is not published"},
    )
    note = forms.CharField(
        label="Note (optional)",
        help_text="Do not copy what the participant wrote.",
        max_length=500,
        required=False,
    )


class MaskForm(GovukForm):
    field = forms.ChoiceField(
        label="In",
        choices=[("reasons", "Why they say that"), ("local_knowledge", "What they know locally")],
    )
    words = forms.CharField(label="Words to hide", max_length=200)
    kind = forms.ChoiceField(
        label="Hide as", choices=[(kind.value, kind.value.replace("_", " ")) for kind in Kind]
    )


class ThemeDecisionForm(GovukForm):
    """Accept, merge or reject themes of one round's codebook, chosen on the themes page."""

    action = forms.ChoiceField(
        choices=[("accept", "Accept"), ("merge", "Merge"), ("reject", "Reject")]
    )
    themes = forms.ModelMultipleChoiceField(
        queryset=Theme.objects.none(),
        error_messages={"required": "Choose at least one theme"},
    )
    label = forms.CharField(label="Label (optional)", max_length=120, required=False)

    def __init__(self, *args: Any, codebook: Codebook, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["themes"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = codebook.themes.filter(
            state__in=(ThemeState.SUGGESTED, ThemeState.ACCEPTED)
        )


class ThemeEditForm(GovukForm):
    label = forms.CharField(label="Label", max_length=120)
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    examples = forms.CharField(
        label="Example phrases",
        help_text="One a line. A contribution containing one (whole words, any case) is coded "
        "with the theme when the rest of the round is coded.",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def clean_examples(self) -> list[str]:
        lines = str(self.cleaned_data["examples"]).splitlines()
        return list(dict.fromkeys(line.strip() for line in lines if line.strip()))


class ContributionThemeForm(GovukForm):
    """Add or remove one accepted theme on one contribution."""

    action = forms.ChoiceField(choices=[("add", "Add"), ("remove", "Remove")])
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.none(), error_messages={"required": "Choose a theme"}
    )

    def __init__(self, *args: Any, codebook: Codebook, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["theme"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = codebook.themes.filter(state=ThemeState.ACCEPTED)
