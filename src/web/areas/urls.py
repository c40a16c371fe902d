"""A recipe's pages live under /recipes/<recipe id>/; an area's page with every recipe's
figures at /areas/<LSOA code>/."""

from __future__ import annotations

from django.urls import path, re_path

from web.areas import views

app_name = "areas"

LSOA = r"(?P<lsoa11cd>[EW]0[0-9]{7})"
RECIPE = r"(?P<recipe>[a-z][a-z0-9\-]{0,62}[a-z0-9])"

urlpatterns = [
    path("areas/find/", views.find_area, name="find"),
    re_path(rf"^areas/{LSOA}/$", views.area, name="area"),
    path("recipes/", views.recipes, name="recipes"),
    re_path(rf"^recipes/{RECIPE}/$", views.recipe_overview, name="recipe"),
    re_path(rf"^recipes/{RECIPE}/map/$", views.map_page, name="map"),
    re_path(
        rf"^recipes/{RECIPE}/map-data/(?P<release_id>[-a-zA-Z0-9_]+)\.json$",
        views.map_data_file,
        name="map_data",
    ),
    re_path(rf"^recipes/{RECIPE}/support/$", views.flagged_list, name="flagged"),
    re_path(rf"^recipes/{RECIPE}/support\.csv$", views.flagged_csv, name="flagged_csv"),
    re_path(rf"^recipes/{RECIPE}/areas/{LSOA}/$", views.profile, name="profile"),
    # Addresses from before there were several recipes.
    path("areas/", views.moved, {"to": "areas:map"}, name="moved_map"),
    path("areas/support/", views.moved, {"to": "areas:flagged"}, name="moved_flagged"),
]
