from __future__ import annotations

from django.urls import path

from web.assets import views

app_name = "assets"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("import/", views.upload, name="upload"),
    path("import/<int:import_id>/", views.feed_import, name="feed_import"),
]
