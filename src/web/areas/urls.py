from __future__ import annotations

from django.urls import path, re_path

from web.areas import views

app_name = "areas"

urlpatterns = [
    path("", views.map_page, name="map"),
    path("find/", views.find_area, name="find"),
    path("support/", views.flagged_list, name="flagged"),
    path("support.csv", views.flagged_csv, name="flagged_csv"),
    path("map-data/<slug:release_id>.json", views.map_data_file, name="map_data"),
    re_path(r"^(?P<lsoa11cd>[EW]0[0-9]{7})/$", views.profile, name="profile"),
]
