"""The recipes, what each needs and its pack: /recipe-book/ (the topics' own pages live under
/recipes/<recipe id>/, in web.areas)."""

from __future__ import annotations

from django.urls import path, re_path

from web.recipes import views

app_name = "recipes"

urlpatterns = [
    path("", views.recipes, name="book"),
    path("import/", views.upload, name="upload"),
    re_path(r"^(?P<recipe>[a-z][a-z0-9\-]{0,62}[a-z0-9])\.zip$", views.download, name="pack"),
]
