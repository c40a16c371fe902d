from __future__ import annotations

from django.urls import path

from web.transparency import views

app_name = "transparency"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("model-card/", views.model_card, name="model_card"),
    path("model-card.md", views.model_card_markdown, name="model_card_markdown"),
    path("transparency-record/", views.transparency_record, name="transparency_record"),
    path(
        "transparency-record.md",
        views.transparency_record_markdown,
        name="transparency_record_markdown",
    ),
    path("fairness/", views.fairness, name="fairness"),
    path("data-quality/", views.data_quality, name="data_quality"),
    path("agreements/", views.agreements, name="agreements"),
]
