from __future__ import annotations

from django.urls import path

from web.governance import views

app_name = "governance"

urlpatterns = [
    path("audit-trail/", views.audit_trail, name="audit_trail"),
]
