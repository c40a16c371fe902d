"""The site's URLs. Who may open each one is decided in ``web.accounts.access``."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = f"{settings.PARTNERSHIP_NAME} administration"
admin.site.site_title = admin.site.site_header
admin.site.index_title = "Accounts"

urlpatterns = [
    path("", include("web.core.urls")),
    # /recipes/<recipe id>/... (each recipe's pages), /areas/... and /how-this-works/...
    path("", include("web.areas.urls")),
    path("", include("web.transparency.urls")),
    path("recipe-book/", include("web.recipes.urls")),
    path("releases/", include("web.releases.urls")),
    path("account/", include("web.accounts.urls")),
    path("governance/", include("web.governance.urls")),
    path("assets/", include("web.assets.urls")),
    path("oruk/", include("web.assets.api_urls")),
    path("insight/", include("web.insight.urls")),
    path("fieldwork/", include("web.fieldwork.urls")),
    path("interventions/", include("web.interventions.urls")),
    path("jobs/", include("web.jobs.urls")),
    path("admin/", admin.site.urls),
]

handler500 = "web.core.views.server_error"
