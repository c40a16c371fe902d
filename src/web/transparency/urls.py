"""How this works: in general at /how-this-works/ (with the data sharing agreements, which serve
every recipe), and each recipe's documents under /recipes/<recipe id>/how-this-works/."""

from __future__ import annotations

from django.urls import path, re_path

from web.areas.urls import RECIPE
from web.areas.views import moved
from web.transparency import views

app_name = "transparency"

HOW = rf"^recipes/{RECIPE}/how-this-works/"

urlpatterns = [
    path("how-this-works/", views.overview, name="overview"),
    path("how-this-works/agreements/", views.agreements, name="agreements"),
    re_path(rf"{HOW}$", views.recipe_overview, name="recipe"),
    re_path(rf"{HOW}model-card/$", views.model_card, name="model_card"),
    re_path(rf"{HOW}model-card\.md$", views.model_card_markdown, name="model_card_markdown"),
    re_path(rf"{HOW}transparency-record/$", views.transparency_record, name="transparency_record"),
    re_path(
        rf"{HOW}transparency-record\.md$",
        views.transparency_record_markdown,
        name="transparency_record_markdown",
    ),
    re_path(rf"{HOW}fairness/$", views.fairness, name="fairness"),
    re_path(rf"{HOW}data-quality/$", views.data_quality, name="data_quality"),
    # Addresses from before there were several recipes.
    *(
        path(f"how-this-works/{slug}/", moved, {"to": f"transparency:{name}"}, name=f"moved_{name}")
        for slug, name in (
            ("model-card", "model_card"),
            ("transparency-record", "transparency_record"),
            ("fairness", "fairness"),
            ("data-quality", "data_quality"),
        )
    ),
]
