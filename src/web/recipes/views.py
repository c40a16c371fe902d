from __future__ import annotations

import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from web.accounts.access import may_open
from web.accounts.models import User
from web.recipes.catalogue import recipe_entries
from web.recipes.forms import PackUploadForm
from web.recipes.importer import PackRefused, import_pack
from web.recipes.models import RecipePack


def recipes(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "recipes/recipes.html",
        {"entries": recipe_entries(), "may_upload": may_open(request.user, "recipes:upload")},
    )


def download(request: HttpRequest, recipe: str) -> HttpResponse:
    """The pack's bytes exactly as they were verified at import."""
    pack = get_object_or_404(RecipePack, recipe=recipe)
    response = HttpResponse(bytes(pack.content), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{pack.filename}"'
    return response


def upload(request: HttpRequest) -> HttpResponse:
    """Upload a pack; it is verified at once (a pack is small) and served, or refused with the
    library's reason."""
    form = PackUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        actor = request.user if isinstance(request.user, User) else None
        Path(settings.UPLOAD_DIR).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=settings.UPLOAD_DIR) as folder:
            path = Path(folder) / "pack.zip"
            with path.open("wb") as handle:
                for chunk in form.cleaned_data["pack"].chunks():
                    handle.write(chunk)
            try:
                outcome = import_pack(path, actor=actor)
            except PackRefused as refusal:
                # The entry at fault matters to the uploader; the server's folder does not.
                form.add_error(
                    "pack", str(refusal).replace(f"{path}:", "").replace(str(path), "The file")
                )
            else:
                pack = outcome.pack
                messages.success(
                    request,
                    f"The {pack.title} pack, version {pack.version}, signed by key "
                    f"{pack.signed_by}, is served on this page"
                    if outcome.changed
                    else f"This very {pack.title} pack was already served: nothing changed",
                )
                return redirect(f"{reverse('recipes:book')}#{pack.recipe}")
    return render(request, "recipes/upload.html", {"form": form})
