from __future__ import annotations

from django.urls import path

from web.releases import views

app_name = "releases"

urlpatterns = [
    path("", views.history, name="history"),
    path("compare/", views.compare, name="compare"),
    path("drafts/", views.drafts, name="drafts"),
    path("import/", views.upload, name="upload"),
    path("<slug:release_id>/", views.detail, name="detail"),
    path("<slug:release_id>/make-current/", views.make_current, name="make_current"),
    path("<slug:release_id>/publish/", views.publish, name="publish"),
    path("<slug:release_id>/withdraw/", views.withdraw, name="withdraw"),
]
