"""Uploading a recipe pack."""

from __future__ import annotations

import zipfile

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from web.core.forms import GovukForm


class PackUploadForm(GovukForm):
    pack = forms.FileField(
        label="Recipe pack (.zip)",
        help_text="The file that bakehouse recipe export wrote, as it is: for example "
        "school-readiness.zip",
        error_messages={"required": "Choose the recipe pack to upload"},
    )

    def clean_pack(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["pack"]
        limit = settings.BAKEHOUSE_RELEASE_MAX_FILE_BYTES
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                f"The pack must be smaller than {limit:,} bytes, this web app's limit for a file"
            )
        if not zipfile.is_zipfile(upload):
            raise forms.ValidationError(
                "The file is not a zip file: upload the pack exactly as it was exported"
            )
        return upload
