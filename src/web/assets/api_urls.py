"""The ORUK read API's addresses, as the standard names them (no trailing slash)."""

from __future__ import annotations

from django.urls import path

from web.assets import api

app_name = "oruk"

urlpatterns = [
    path("", api.index, name="index"),
    path("openapi.json", api.openapi, name="openapi"),
    path("services", api.services, name="services"),
    path("services/<str:service_id>", api.service, name="service"),
    path("service_at_locations", api.service_at_locations, name="service_at_locations"),
    path(
        "service_at_locations/<str:service_at_location_id>",
        api.service_at_location,
        name="service_at_location",
    ),
    path("taxonomies", api.taxonomies, name="taxonomies"),
    path("taxonomies/<str:taxonomy_id>", api.taxonomy, name="taxonomy"),
    path("taxonomy_terms", api.taxonomy_terms, name="taxonomy_terms"),
    path("taxonomy_terms/<str:taxonomy_term_id>", api.taxonomy_term, name="taxonomy_term"),
]
