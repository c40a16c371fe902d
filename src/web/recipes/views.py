from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from web.recipes.catalogue import recipe_entries
from web.recipes.models import RecipePack


def recipes(request: HttpRequest) -> HttpResponse:
    return render(request, "recipes/recipes.html", {"entries": recipe_entries()})


def download(request: HttpRequest, recipe: str) -> HttpResponse:
    """The pack's bytes exactly as they were verified at import."""
    pack = get_object_or_404(RecipePack, recipe=recipe)
    response = HttpResponse(bytes(pack.content), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{pack.filename}"'
    return response
