from __future__ import annotations

from django.urls import path

from web.jobs import views

app_name = "jobs"

urlpatterns = [
    path("<int:job_id>/", views.detail, name="detail"),
]
