"""The forms of fieldwork and surveys: staff's fieldwork record, survey and question, and a
respondent's answers (built from the survey's questions)."""

from __future__ import annotations

from typing import Any

from django import forms
from shapely.geometry import Point, shape

from bakehouse.insight.screening import Kind
from web.core.abuse import HoneypotMixin
from web.core.forms import DateField, GovukForm
from web.fieldwork.models import (
    MAX_RETENTION_DAYS,
    SCALE_POINTS,
    ConsentScope,
    FieldworkKind,
    Question,
    QuestionKind,
    Survey,
)
from web.fieldwork.surveys import CHOICE_KINDS, Given
from web.insight.models import Round, Theme, ThemeState
from web.releases.models import Area, Release

# A respondent's free text, as a contribution's.
ANSWER_LIMIT = 2000
NOTES_LIMIT = 10000
TEXT_WARNING = "Do not include your name or anyone else's, addresses or contact details."


def _recipe_choices() -> list[tuple[str, str]]:
    return [(r.recipe, r.about.title) for r in Release.objects.current_releases()]


def _retention() -> forms.IntegerField:
    return forms.IntegerField(
        label="Days to keep it after it ends",
        help_text=f"From 1 to {MAX_RETENTION_DAYS}; then it is deleted automatically.",
        min_value=1,
        max_value=MAX_RETENTION_DAYS,
        initial=180,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
    )


def _round_field() -> forms.ModelChoiceField[Round]:
    return forms.ModelChoiceField(
        label="Validation round (optional)",
        queryset=Round.objects.all(),
        required=False,
        empty_label="None",
    )


def _check_round(form: forms.Form, cleaned: dict[str, Any]) -> None:
    round_: Round | None = cleaned.get("round")
    if round_ is not None and cleaned.get("recipe") and round_.recipe != cleaned["recipe"]:
        form.add_error("round", "Choose a round of the same recipe, or none")


def _count(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=10000,
        initial=0,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
    )


class FieldworkForm(GovukForm):
    kind = forms.ChoiceField(
        label="What kind of session was it?",
        choices=FieldworkKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of session"},
    )
    held_on = DateField(label="Date held")
    place = forms.CharField(
        label="Where",
        help_text="In words: a venue, a street or a neighbourhood. Not anyone's home address.",
        max_length=200,
        error_messages={"required": "Enter where it was held"},
    )
    recipe = forms.ChoiceField(label="About which recipe")
    area = forms.ChoiceField(label="Area (optional)", required=False)
    round = _round_field()
    residents = _count("Residents")
    practitioners = _count("Practitioners")
    community_leaders = _count("Community leaders")
    consent = forms.MultipleChoiceField(
        label="What did the people taking part agree to?",
        help_text="Tick only what everyone taking part agreed to, as the privacy notice says.",
        choices=ConsentScope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    notes = forms.CharField(
        label="Notes",
        help_text="What was said, in your words. Do not write names, addresses, contact details, "
        "dates of birth or anything that identifies a child: they are hidden before saving, and "
        "the notes wait for a moderator before other staff read them.",
        max_length=NOTES_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"max_length": f"Write {NOTES_LIMIT:,} characters or fewer"},
    )
    themes = forms.ModelMultipleChoiceField(
        label="Themes (optional)",
        help_text="Accepted themes of the round's codebook, or of the recipe's rounds.",
        queryset=Theme.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    retention_days = _retention()

    def __init__(self, *args: Any, kept_notes: bool = False, **kwargs: Any) -> None:
        """``kept_notes``: the record has notes its editor may not read, so the form leaves
        them out and they stay as they are."""
        super().__init__(*args, **kwargs)
        self.kept_notes = kept_notes
        if kept_notes:
            del self.fields["notes"]
        self.fields["recipe"].choices = _recipe_choices()  # type: ignore[attr-defined]
        self.fields["area"].choices = [("", "None"), *self._area_choices()]  # type: ignore[attr-defined]
        themes = self.fields["themes"]
        assert isinstance(themes, forms.ModelMultipleChoiceField)
        themes.queryset = Theme.objects.filter(state=ThemeState.ACCEPTED).select_related(
            "codebook__round"
        )
        themes.label_from_instance = lambda theme: (  # type: ignore[method-assign, assignment]
            f"{theme.label} (round {theme.codebook.round_id})"
        )
        self.fields["held_on"].error_messages["required"] = "Enter the date it was held"

    @staticmethod
    def _area_choices() -> list[tuple[str, list[tuple[str, str]]]]:
        """Each current release's areas, grouped by recipe, so no script is needed."""
        return [
            (
                release.about.title,
                [
                    (f"{release.recipe}:{area.lsoa11cd}", f"{area.lsoa11nm} ({area.lsoa11cd})")
                    for area in release.areas.defer("geometry").order_by("lsoa11nm")
                ],
            )
            for release in Release.objects.current_releases()
        ]

    def chosen_area(self) -> Area | None:
        value = self.cleaned_data.get("area") or ""
        if not value:
            return None
        recipe, code = value.split(":", 1)
        release = Release.objects.current(recipe)
        assert release is not None
        return release.areas.defer("geometry").get(lsoa11cd=code)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        recipe = cleaned.get("recipe")
        area = cleaned.get("area") or ""
        if recipe and area and not area.startswith(f"{recipe}:"):
            self.add_error("area", "Choose an area of the recipe's current release, or none")
        _check_round(self, cleaned)
        counts = [cleaned.get(name) for name in ("residents", "practitioners", "community_leaders")]
        if all(count is not None for count in counts) and not any(counts):
            self.add_error("residents", "Enter how many took part in at least one role")
        has_notes = self.kept_notes or bool(cleaned.get("notes", "").strip())
        if has_notes and ConsentScope.RECORDED not in cleaned.get("consent", []):
            self.add_error(
                "consent",
                "Keep notes only if the people taking part agreed to notes being kept",
            )
        round_: Round | None = cleaned.get("round")
        for theme in cleaned.get("themes") or []:
            theme_round = theme.codebook.round
            if (round_ is not None and theme_round != round_) or theme_round.recipe != recipe:
                self.add_error("themes", "Choose themes of the round, or of the recipe's rounds")
                break
        return cleaned


class SurveyForm(GovukForm):
    title = forms.CharField(label="Title", max_length=200)
    intro = forms.CharField(
        label="Introduction (optional)",
        help_text="What the survey is for and how the answers will be used.",
        required=False,
        max_length=ANSWER_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    recipe = forms.ChoiceField(label="About which recipe")
    round = _round_field()
    opens_on = DateField(label="Opens on")
    closes_on = DateField(label="Closes on")
    retention_days = _retention()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipe"].choices = _recipe_choices()  # type: ignore[attr-defined]
        self.fields["title"].error_messages["required"] = "Enter the survey's title"
        self.fields["opens_on"].error_messages["required"] = "Enter the date the survey opens"
        self.fields["closes_on"].error_messages["required"] = "Enter the date the survey closes"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        opens, closes = cleaned.get("opens_on"), cleaned.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", "The survey must close on or after the day it opens")
        _check_round(self, cleaned)
        return cleaned


class QuestionForm(GovukForm):
    kind = forms.ChoiceField(
        label="Kind of question",
        choices=QuestionKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of question"},
    )
    prompt = forms.CharField(
        label="Question", max_length=300, error_messages={"required": "Enter the question"}
    )
    hint = forms.CharField(label="Hint (optional)", max_length=300, required=False)
    options = forms.CharField(
        label="Options (for a choice)",
        help_text="One a line, at least two.",
        required=False,
        max_length=ANSWER_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    low_label = forms.CharField(label="Words for 1 (for a scale)", max_length=60, required=False)
    high_label = forms.CharField(label="Words for 5 (for a scale)", max_length=60, required=False)
    required = forms.BooleanField(label="An answer is needed", required=False, initial=True)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        lines = str(cleaned.get("options") or "").splitlines()
        options = tuple(dict.fromkeys(line.strip() for line in lines if line.strip()))
        cleaned["options"] = options
        if kind in CHOICE_KINDS and len(options) < 2:
            self.add_error("options", "Enter at least two options, one a line")
        if kind == QuestionKind.SCALE and not (
            cleaned.get("low_label") and cleaned.get("high_label")
        ):
            self.add_error("low_label", "Enter the words for 1 and for 5")
        return cleaned


def _answer_field(question: Question, places: list[tuple[str, str]]) -> forms.Field:
    common: dict[str, Any] = {
        "label": question.prompt,
        "help_text": question.hint,
        "required": question.required,
        "error_messages": {"required": f"Answer the question ‘{question.prompt}’"},
    }
    options = [(str(i), option) for i, option in enumerate(question.options)]
    if question.kind == QuestionKind.SINGLE:
        return forms.ChoiceField(choices=options, widget=forms.RadioSelect, **common)
    if question.kind == QuestionKind.MULTIPLE:
        return forms.MultipleChoiceField(
            choices=options, widget=forms.CheckboxSelectMultiple, **common
        )
    if question.kind == QuestionKind.SCALE:
        words = {1: question.low_label, 5: question.high_label}
        points = [(str(p), f"{p}: {words[p]}" if p in words else str(p)) for p in SCALE_POINTS]
        return forms.ChoiceField(choices=points, widget=forms.RadioSelect, **common)
    if question.kind == QuestionKind.LOCATION:
        return forms.ChoiceField(choices=[("", "Choose an area"), *places], **common)
    common["error_messages"]["max_length"] = f"Write {ANSWER_LIMIT:,} characters or fewer"
    common["help_text"] = " ".join(part for part in (question.hint, TEXT_WARNING) if part)
    return forms.CharField(
        max_length=ANSWER_LIMIT, widget=forms.Textarea(attrs={"rows": 5}), **common
    )


class AnswerForm(HoneypotMixin, GovukForm):
    """A respondent's answers to every question of a survey, on one page. A place question is
    an area from the list of the release's areas; with script, a tap on the map beside it
    chooses the area and keeps the point (hidden ``<name>_lat`` and ``<name>_lng``), which must
    then lie inside the area chosen."""

    consent = forms.BooleanField(
        label="I have read the privacy notice and agree to my answers being kept and used as it "
        "says",
        error_messages={"required": "Agree to the privacy notice to send your answers"},
    )

    def __init__(
        self,
        *args: Any,
        survey: Survey,
        release: Release,
        ask_consent: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # A respondent changing their answers agreed when they first sent them.
        if not ask_consent:
            del self.fields["consent"]
        self.release = release
        self.questions = list(survey.questions.all())
        places = [
            (area.lsoa11cd, f"{area.lsoa11nm} ({area.lsoa11cd})")
            for area in release.areas.defer("geometry").order_by("lsoa11nm")
        ]
        answers: dict[str, forms.Field] = {}
        for question in self.questions:
            answers[question.field_name] = _answer_field(question, places)
            if question.kind == QuestionKind.LOCATION:
                for part in ("lat", "lng"):
                    answers[f"{question.field_name}_{part}"] = forms.FloatField(
                        required=False, widget=forms.HiddenInput
                    )
        # The questions first, in order; consent and the hidden box after them.
        self.fields = {**answers, **self.fields}
        self.points: dict[int, tuple[float, float]] = {}

    @property
    def has_place_question(self) -> bool:
        return any(question.kind == QuestionKind.LOCATION for question in self.questions)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for question in self.questions:
            if question.kind != QuestionKind.LOCATION:
                continue
            name = question.field_name
            latitude, longitude = cleaned.get(f"{name}_lat"), cleaned.get(f"{name}_lng")
            if latitude is None and longitude is None:
                continue
            code = cleaned.get(name)
            if latitude is None or longitude is None or not code:
                self.add_error(name, "Choose the point on the map again, or an area from the list")
                continue
            area = self.release.areas.only("geometry").get(lsoa11cd=code)
            if not shape(area.geometry).contains(Point(longitude, latitude)):
                self.add_error(name, "The point you chose is outside the area: choose again")
                continue
            self.points[question.pk] = (latitude, longitude)
        return cleaned

    def fields_in_order(self) -> list[tuple[Question, forms.BoundField]]:
        return [(question, self[question.field_name]) for question in self.questions]

    def given(self) -> Given:
        given = Given()
        for question in self.questions:
            value = self.cleaned_data.get(question.field_name)
            if not value:
                continue
            if question.kind == QuestionKind.SINGLE:
                given.chosen[question.pk] = [int(value)]
            elif question.kind == QuestionKind.MULTIPLE:
                given.chosen[question.pk] = sorted(int(v) for v in value)
            elif question.kind == QuestionKind.SCALE:
                given.scales[question.pk] = int(value)
            elif question.kind == QuestionKind.LOCATION:
                given.places[question.pk] = str(value)
                if question.pk in self.points:
                    given.points[question.pk] = self.points[question.pk]
            else:
                given.texts[question.pk] = str(value)
        return given


class MaskForm(GovukForm):
    """Words a moderator hides in an item with one free-text field."""

    words = forms.CharField(label="Words to hide", max_length=200)
    kind = forms.ChoiceField(
        label="Hide as", choices=[(kind.value, kind.value.replace("_", " ")) for kind in Kind]
    )
