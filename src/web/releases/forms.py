"""Choosing two releases to compare; publishing, withdrawing and uploading a release."""

from __future__ import annotations

import zipfile
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from web.core.forms import GovukForm
from web.releases.lifecycle import REASON_MAX
from web.releases.models import Release


class CompareForm(GovukForm):
    earlier = forms.ChoiceField(
        label="Earlier release", error_messages={"required": "Choose the earlier release"}
    )
    later = forms.ChoiceField(
        label="Later release", error_messages={"required": "Choose the later release"}
    )

    def __init__(self, *args: Any, releases: list[Release], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.releases = {release.id: release for release in releases}
        choices = [
            (
                release.id,
                f"{release.recipe_title}: {release.title}, {release.created_at:%-d %B %Y} "
                f"({release.id})",
            )
            for release in releases
        ]
        for name in ("earlier", "later"):
            self.fields[name].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        earlier, later = cleaned.get("earlier"), cleaned.get("later")
        if earlier and later and earlier == later:
            self.add_error("later", "Choose two different releases")
        elif earlier and later and self.releases[earlier].recipe != self.releases[later].recipe:
            self.add_error("later", "Choose two releases of the same topic")
        return cleaned

    def chosen(self) -> tuple[Release, Release]:
        """The two releases of a valid form, earlier first."""
        return self.releases[self.cleaned_data["earlier"]], self.releases[
            self.cleaned_data["later"]
        ]


class PublishForm(GovukForm):
    confirm = forms.BooleanField(
        label="I have reviewed this release and it may be published",
        error_messages={"required": "Confirm that you have reviewed the release"},
    )


class WithdrawForm(GovukForm):
    reason = forms.CharField(
        label="Why is it withdrawn?",
        help_text="The public history shows this. Do not name or describe any person.",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Say why the release is withdrawn",
            "max_length": f"Keep the reason to {REASON_MAX} characters",
        },
    )


class ReleaseUploadForm(GovukForm):
    release = forms.FileField(
        label="Release (.zip)",
        help_text="The folder that bakehouse publish wrote, zipped whole: for example, in "
        "data/releases, zip -r school-readiness-2026.zip school-readiness-2026",
        error_messages={"required": "Choose the zipped release to upload"},
    )

    def clean_release(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["release"]
        limit = settings.BAKEHOUSE_RELEASE_MAX_TOTAL_BYTES
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                f"The release must be smaller than {limit:,} bytes, this web app's limit for a "
                "whole release"
            )
        if not zipfile.is_zipfile(upload):
            raise forms.ValidationError(
                "The file is not a zip file: zip the release's folder and upload the zip"
            )
        return upload
