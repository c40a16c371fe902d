"""The map's measure chooser and the postcode search. Both are GET forms, so they work
without JavaScript and their results can be bookmarked."""

from __future__ import annotations

from typing import Any

from django import forms

from web.areas import postcodes
from web.areas.measures import DEFAULT_MEASURE, MEASURES
from web.core.forms import GovukForm
from web.releases.models import Area, Release
from web.releases.recipes import RecipeWords


class MeasureForm(GovukForm):
    measure = forms.ChoiceField(label="Show on the map", initial=DEFAULT_MEASURE)

    def __init__(self, *args: Any, words: RecipeWords, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [  # type: ignore[attr-defined]
            (measure.id, measure.label_for(words)) for measure in MEASURES.values()
        ]

    def chosen(self) -> str:
        """The measure asked for, or the default when none (or a wrong one) was."""
        if self.is_bound and self.is_valid():
            return str(self.cleaned_data["measure"])
        return DEFAULT_MEASURE


class PostcodeForm(GovukForm):
    postcode = forms.CharField(
        label="Postcode",
        help_text="For example, SS14 1AA",
        max_length=20,
        error_messages={"required": "Enter a postcode"},
        widget=forms.TextInput(
            attrs={
                "class": "govuk-input--width-10",
                "autocomplete": "postal-code",
                "spellcheck": "false",
            }
        ),
    )

    def __init__(self, *args: Any, releases: list[Release], **kwargs: Any) -> None:
        """``releases``: the current releases, one per recipe; a postcode is found when its
        area is in any of them."""
        self.releases = releases
        self.lsoa11cd = ""
        super().__init__(*args, **kwargs)

    def clean_postcode(self) -> str:
        postcode = postcodes.normalise(self.cleaned_data["postcode"])
        if postcode is None:
            raise forms.ValidationError("Enter a full postcode, like SS14 1AA")
        code = postcodes.lsoa_for(postcode)
        if code is None:
            raise forms.ValidationError(
                f"We could not find {postcode}. Check it, or choose your area from the table "
                "on the map page"
            )
        if not Area.objects.filter(release__in=self.releases, lsoa11cd=code).exists():
            covered = sorted({release.area_name for release in self.releases})
            names = ", ".join(name.replace("-", " ").title() for name in covered)
            raise forms.ValidationError(
                f"{postcode} is outside the area these results cover ({names})"
            )
        self.lsoa11cd = code
        return postcode
