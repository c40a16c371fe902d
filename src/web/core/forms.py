"""GOV.UK Frontend markup for Django forms: classes on widgets, hints and errors linked to
their inputs. Forms opt in by inheriting ``GovukForm`` (or mixing in ``GovukFormMixin``), so the
admin site keeps its own look."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates


def _base_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.Select):
        return "govuk-select"
    if isinstance(widget, forms.Textarea):
        return "govuk-textarea"
    if isinstance(widget, forms.FileInput):
        return "govuk-file-upload"
    return "govuk-input"


class GovukBoundField(BoundField):
    def build_widget_attrs(
        self, attrs: dict[str, Any], widget: forms.Widget | None = None
    ) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        base = _base_class(widget)
        classes = [base, widget.attrs.get("class", ""), attrs.get("class", "")]
        if self.errors:
            classes.append(f"{base}--error")
        attrs["class"] = " ".join(name for name in classes if name)
        return attrs


class GovukFormRenderer(DjangoTemplates):
    form_template_name = "core/forms/form.html"
    field_template_name = "core/forms/field.html"
    bound_field_class = GovukBoundField


class DateInput(forms.MultiWidget):
    """GOV.UK's date input: day, month and year boxes, which every browser and assistive
    technology handles alike (a native date picker does not)."""

    template_name = "core/forms/widgets/date_input.html"
    PARTS = (
        ("day", "Day", "govuk-input--width-2"),
        ("month", "Month", "govuk-input--width-2"),
        ("year", "Year", "govuk-input--width-4"),
    )

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        numeric = {"inputmode": "numeric", "spellcheck": "false"}
        super().__init__({name: forms.TextInput(numeric) for name, _, _ in self.PARTS}, attrs)

    def decompress(self, value: date | None) -> list[int | None]:
        return [value.day, value.month, value.year] if value else [None, None, None]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        shared = context["widget"]["attrs"].get("class", "")
        for subwidget, (_, label, width) in zip(
            context["widget"]["subwidgets"], self.PARTS, strict=True
        ):
            subwidget["label"] = label
            subwidget["attrs"]["class"] = f"{shared} govuk-date-input__input {width}".strip()
        return context


class DateField(forms.MultiValueField):
    """A date entered as day, month and year; all three or none."""

    widget = DateInput

    def __init__(self, *, label: str, **kwargs: Any) -> None:
        self.incomplete_message = f"The ‘{label.lower()}’ date must include a day, month and year"
        self.invalid_message = f"The ‘{label.lower()}’ date must be a real date"
        parts = tuple(
            forms.IntegerField(error_messages={"invalid": self.invalid_message})
            for _ in DateInput.PARTS
        )
        # Field's template_name (Django 5.0) is not in django-stubs yet.
        super().__init__(  # type: ignore[call-arg]
            parts,
            label=label,
            require_all_fields=False,
            error_messages={"incomplete": self.incomplete_message},
            template_name="core/forms/date_field.html",
            **kwargs,
        )

    def compress(self, data_list: list[int | None]) -> date | None:
        if not data_list or all(part is None for part in data_list):
            return None
        if any(part is None for part in data_list):
            raise ValidationError(self.incomplete_message, code="incomplete")
        day, month, year = data_list
        try:
            if year is None or year < 1000:  # two-digit years are ambiguous
                raise ValueError
            return date(year, month, day)  # type: ignore[arg-type]
        except ValueError:
            raise ValidationError(self.invalid_message, code="invalid") from None


def _anchor(bound: BoundField) -> str:
    """The id of the element an error summary link should focus: the first box of a date."""
    widget = bound.field.widget
    return f"{bound.auto_id}_0" if isinstance(widget, forms.MultiWidget) else bound.auto_id


class GovukFormMixin(forms.BaseForm):
    default_renderer = GovukFormRenderer

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor, message) pairs for the error summary, in the order the fields appear.
        Errors about the whole form point at its first field."""
        first_field = next(iter(self.fields), "")
        items = [(_anchor(self[first_field]), str(error)) for error in self.non_field_errors()]
        for name in self.fields:
            bound = self[name]
            items.extend((_anchor(bound), str(error)) for error in bound.errors)
        return items


class GovukForm(GovukFormMixin, forms.Form):
    pass
