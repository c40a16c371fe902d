"""The staff forms of an intervention: its TIDieR description and links, co-production
sessions, progress updates, milestones, and its evaluation plan."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from pydantic import ValidationError as PlanInvalid

from bakehouse.evaluation import Design, EvaluationPlan
from web.assets.export import public_records
from web.core.forms import DateField, GovukForm
from web.insight.models import RoundStatus, Theme, ThemeState
from web.interventions.models import PARTICIPANTS, RunSource, State
from web.interventions.services import release_codes

TEXT_LIMIT = 4000
_CODE = re.compile(r"E0\d{7}")

# TIDieR items 2 to 10 (Hoffmann et al., BMJ 2014): the label and the GOV.UK hint of each.
TIDIER: tuple[tuple[str, str, str], ...] = (
    ("why", "Why", "The reason for the intervention: what need it meets and why it should work."),
    (
        "materials",
        "What materials",
        "Leaflets, kits, training manuals: what is given or used, and where anyone can find it.",
    ),
    (
        "procedures",
        "What procedures",
        "What is done, step by step, including anything to get people involved.",
    ),
    (
        "provider",
        "Who provides",
        "Which organisation and which roles deliver it, with their training.",
    ),
    ("how", "How", "Face to face, by phone or online; one to one or in groups."),
    ("where", "Where", "The places it happens: a family hub, a school, people's homes."),
    (
        "when_and_how_much",
        "When and how much",
        "How many sessions, how long, how often, over what period.",
    ),
    ("tailoring", "Tailoring", "What is adapted to each family or area, and how it is decided."),
    (
        "modifications",
        "Planned modifications",
        "Changes planned as it goes, and what would trigger them.",
    ),
    ("fidelity", "Fidelity", "How delivery as planned will be checked, and by whom."),
)


def _text(label: str, hint: str, *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        required=required,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": f"Enter {label.lower()}",
            "max_length": "Write 4,000 characters or fewer",
        },
    )


def parse_codes(text: str) -> list[str]:
    """LSOA codes written with any separator; anything else is refused by the caller."""
    return sorted(set(re.split(r"[\s,;]+", text.strip()))) if text.strip() else []


def check_codes(recipe: str, text: str, *, required: bool) -> list[str]:
    codes = parse_codes(text)
    if required and not codes:
        raise forms.ValidationError("Enter at least one area code, such as E01021237")
    malformed = [code for code in codes if not _CODE.fullmatch(code)]
    if malformed:
        raise forms.ValidationError(
            f"‘{malformed[0]}’ is not an area code: enter LSOA codes such as E01021237"
        )
    unknown = sorted(set(codes) - release_codes(recipe))
    if unknown:
        raise forms.ValidationError(
            f"{unknown[0]} is not an area of this recipe's current release: enter its areas only"
        )
    return codes


def recipe_themes(recipe: str) -> QuerySet[Theme]:
    """Accepted themes of the recipe's validation rounds that have opened."""
    return (
        Theme.objects.filter(state=ThemeState.ACCEPTED, codebook__round__recipe=recipe)
        .exclude(codebook__round__status=RoundStatus.DRAFT)
        .select_related("codebook__round")
        .order_by("-codebook__round__opens_on", "position", "pk")
    )


class ThemeChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Theme) -> str:
        return f"{obj.label} (round: {obj.codebook.round.question})"


class InterventionForm(GovukForm):
    title = forms.CharField(
        label="Name of the intervention",
        help_text="A short name that says what it is, such as ‘Stay and play at the library’.",
        max_length=200,
        error_messages={"required": "Enter the name of the intervention"},
    )
    lsoa_codes = forms.CharField(
        label="Areas (LSOA codes)",
        help_text="The areas it reaches, separated by spaces or commas.",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter at least one area code, such as E01021237"},
    )
    services = forms.ModelMultipleChoiceField(
        label="Services in the register it works with (optional)",
        help_text="Services from the community asset register.",
        queryset=public_records("service").order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    themes = ThemeChoiceField(
        label="Themes from what communities said that led to it (optional)",
        help_text="Themes accepted into the codebooks of this recipe's validation rounds.",
        queryset=Theme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, recipe: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recipe = recipe
        for name, label, hint in TIDIER:
            self.fields[name] = _text(label, hint)
        themes = self.fields["themes"]
        assert isinstance(themes, ThemeChoiceField)
        themes.queryset = recipe_themes(recipe)

    def clean_lsoa_codes(self) -> list[str]:
        return check_codes(self.recipe, self.cleaned_data["lsoa_codes"], required=True)


class SessionForm(GovukForm):
    held_on = DateField(label="Date held", required=False)
    decisions = _text("Decisions", "What was decided, and anything left open.", required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for role, words in PARTICIPANTS.items():
            self.fields[f"role_{role}"] = forms.IntegerField(
                label=f"How many {words} came",
                min_value=0,
                required=False,
                error_messages={"min_value": "Enter 0 or more", "invalid": "Enter a whole number"},
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.cleaned_data.get("held_on") is None and not self.errors.get("held_on"):
            self.add_error("held_on", "Enter the date the session was held")
        if not any(data.get(f"role_{role}") for role in PARTICIPANTS):
            raise forms.ValidationError("Enter how many people came, in at least one role")
        return data

    def participants(self) -> dict[str, int]:
        return {role: self.cleaned_data.get(f"role_{role}") or 0 for role in PARTICIPANTS}


class UpdateForm(GovukForm):
    on = DateField(label="Date of the update", required=False)
    state = forms.ChoiceField(
        label="Stage",
        choices=State.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the stage the intervention is at"},
    )
    text = _text("What happened", "Written for the public: no names of residents.", required=True)

    def clean_on(self) -> Any:
        if self.cleaned_data.get("on") is None:
            raise forms.ValidationError("Enter the date of the update")
        return self.cleaned_data["on"]


class MilestoneForm(GovukForm):
    title = forms.CharField(
        label="Milestone", max_length=200, error_messages={"required": "Enter the milestone"}
    )
    due_on = DateField(label="Due", required=False)

    def clean_due_on(self) -> Any:
        if self.cleaned_data.get("due_on") is None:
            raise forms.ValidationError("Enter the date the milestone is due")
        return self.cleaned_data["due_on"]


class PlanForm(GovukForm):
    """The library's plan, field by field; once frozen, a change needs its reason."""

    outcome = forms.CharField(
        label="Primary outcome",
        help_text="In words, as the recipe measures it.",
        max_length=300,
        error_messages={"required": "Enter the primary outcome"},
    )
    treated_units = forms.CharField(
        label="Treated areas (LSOA codes)",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter at least one treated area"},
    )
    start = forms.IntegerField(
        label="First treated cohort",
        help_text="The first cohort (year) the intervention reaches.",
        error_messages={"required": "Enter the first treated cohort", "invalid": "Enter a year"},
    )
    starts = forms.CharField(
        label="Areas starting later (optional)",
        help_text="One per line: the area code and its first cohort, such as "
        "‘E01021255 2028’. Staggered design only.",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    design = forms.ChoiceField(
        label="Design",
        choices=[
            (Design.DID.value, "Difference-in-differences with comparison areas"),
            (Design.STAGGERED.value, "Staggered adoption (areas start in different cohorts)"),
            (Design.SYNTHETIC_CONTROL.value, "Synthetic control (few treated areas)"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the design"},
    )
    comparison_pool = forms.CharField(
        label="Comparison areas (optional)",
        help_text="Leave empty to compare with every area never treated.",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    alpha = forms.FloatField(
        label="Significance level",
        initial=0.05,
        error_messages={"required": "Enter the significance level, such as 0.05"},
    )
    post_periods = forms.IntegerField(
        label="Cohorts to observe after the start",
        min_value=1,
        max_value=20,
        initial=2,
        help_text="Power depends on how many cohorts the evaluation will wait for.",
        error_messages={"required": "Enter how many cohorts the evaluation will observe"},
    )
    hypotheses = _text(
        "Hypotheses", "What you expect to change, in which direction.", required=True
    )
    reason = _text(
        "Reason for the change",
        "The plan is frozen: every change is published as a deviation with this reason.",
    )

    def __init__(self, recipe: str, frozen: bool, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recipe, self.frozen = recipe, frozen
        if not frozen:
            del self.fields["reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.frozen and not (data.get("reason") or "").strip():
            self.add_error("reason", "Enter the reason for changing the frozen plan")
        if self.errors:
            return data
        treated = check_codes(self.recipe, data["treated_units"], required=True)
        pool = check_codes(self.recipe, data.get("comparison_pool", ""), required=False)
        starts = self._starts(data.get("starts", ""))
        try:
            data["plan"] = EvaluationPlan(
                outcome=data["outcome"],
                treated_units=treated,
                start=data["start"],
                starts=starts,
                design=Design(data["design"]),
                comparison_pool=pool,
                alpha=data["alpha"],
                hypotheses=data["hypotheses"],
            )
        except PlanInvalid as error:
            raise forms.ValidationError(
                "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in error.errors())
            ) from None
        return data

    def _starts(self, text: str) -> dict[str, int]:
        starts = {}
        for line in filter(None, (line.strip() for line in text.splitlines())):
            parts = line.split()
            if len(parts) != 2 or not parts[1].isdigit():
                raise forms.ValidationError(
                    f"‘{line}’: write the area code and its first cohort, such as ‘E01021255 2028’"
                )
            starts[check_codes(self.recipe, parts[0], required=True)[0]] = int(parts[1])
        return starts


def plan_initial(fields: dict[str, Any]) -> dict[str, Any]:
    """The form's initial values from a plan's fields."""
    return {
        **fields,
        "treated_units": " ".join(fields.get("treated_units", [])),
        "comparison_pool": " ".join(fields.get("comparison_pool", [])),
        "starts": "\n".join(f"{code} {start}" for code, start in fields.get("starts", {}).items()),
    }


PANEL_LIMIT = 20 * 1024 * 1024
_COLUMN: dict[str, Any] = {"max_length": 100, "required": False}
_NEEDED = {"unit": "area code", "period": "period", "outcome": "outcome"}


class EvaluationForm(GovukForm):
    """Run the plan on the recipe's published figures, or on an uploaded area-level panel."""

    source = forms.ChoiceField(
        label="What to evaluate it on",
        choices=RunSource.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what to evaluate the plan on"},
    )
    panel = forms.FileField(
        label="Panel (CSV, for an uploaded panel)",
        help_text="One row per area and period: the area's LSOA code, the period (a cohort or "
        "year), the outcome (a rate) and, if you have it, the population. Area-level figures "
        "only: no records of people.",
        required=False,
    )
    unit = forms.CharField(label="Column of the area code", initial="lsoa11cd", **_COLUMN)
    period = forms.CharField(label="Column of the period", initial="cohort", **_COLUMN)
    outcome = forms.CharField(label="Column of the outcome", initial="rate", **_COLUMN)
    population = forms.CharField(
        label="Column of the population (optional)",
        help_text="Weights each area's rate by its population. Leave empty to weigh areas equally.",
        **_COLUMN,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("source") != RunSource.UPLOAD:
            return data
        upload = data.get("panel")
        if upload is None:
            self.add_error("panel", "Choose the panel to upload")
        elif upload.size is not None and upload.size > PANEL_LIMIT:
            self.add_error("panel", "The panel must be smaller than 20 MB")
        for name, words in _NEEDED.items():
            if not (data.get(name) or "").strip():
                self.add_error(name, f"Enter the name of the {words} column")
        return data

    def columns(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            name: (data.get(name) or "").strip()
            for name in ("unit", "period", "outcome", "population")
        }
