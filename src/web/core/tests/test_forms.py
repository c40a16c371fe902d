"""GOV.UK markup for forms: labels, hints and errors tied to their inputs."""

from __future__ import annotations

from datetime import date

from django import forms

from web.core.forms import DateField, GovukForm


class MeetingForm(GovukForm):
    place = forms.CharField(label="Place", help_text="A building or a street")
    held_on = DateField(label="Held on", required=False)


def test_a_text_field_has_its_label_hint_and_error_linked() -> None:
    form = MeetingForm({})
    html = str(form["place"].as_field_group())
    assert '<label class="govuk-label" for="id_place">Place</label>' in html
    assert 'aria-describedby="id_place_helptext id_place_error"' in html
    assert 'class="govuk-input govuk-input--error"' in html
    assert form.error_summary() == [("id_place", "This field is required.")]


def test_a_date_is_a_fieldset_of_day_month_and_year() -> None:
    html = str(MeetingForm({})["held_on"].as_field_group())
    assert '<fieldset class="govuk-fieldset" role="group">' in html
    assert (
        '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Held on</legend>' in html
    )
    for part, index in (("Day", 0), ("Month", 1), ("Year", 2)):
        assert f'for="id_held_on_{index}">{part}</label>' in html


def test_a_date_reads_back_and_an_impossible_one_is_linked_from_the_summary() -> None:
    good = MeetingForm(
        {"place": "Hall", "held_on_day": "5", "held_on_month": "7", "held_on_year": "2026"}
    )
    assert good.is_valid()
    assert good.cleaned_data["held_on"] == date(2026, 7, 5)
    bad = MeetingForm(
        {"place": "Hall", "held_on_day": "30", "held_on_month": "2", "held_on_year": "2026"}
    )
    assert not bad.is_valid()
    assert bad.error_summary() == [("id_held_on_0", "The ‘held on’ date must be a real date")]
    assert "govuk-input--error" in str(bad["held_on"].as_field_group())
