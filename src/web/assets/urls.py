from __future__ import annotations

from django.urls import path, re_path

from web.areas.urls import RECIPE
from web.assets import need_views, staff, views

app_name = "assets"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("map/boundaries.json", views.map_boundaries, name="map_boundaries"),
    path("services/<str:service_id>/", views.service, name="service"),
    path("services/<str:service_id>/report/", views.report, name="report"),
    path("services/<str:service_id>/report/sent/", views.report_sent, name="report_sent"),
    re_path(rf"^need/{RECIPE}/$", need_views.need_page, name="need"),
    re_path(rf"^need/{RECIPE}\.csv$", need_views.need_csv, name="need_csv"),
    re_path(
        rf"^need/{RECIPE}/map-data/(?P<release_id>[-a-zA-Z0-9_]+)\.json$",
        need_views.need_map_file,
        name="need_map_data",
    ),
    path("import/", views.upload, name="upload"),
    path("import/<int:import_id>/", views.feed_import, name="feed_import"),
    path("staff/", staff.work, name="staff"),
    path("staff/reports/<int:report_id>/", staff.report_detail, name="staff_report"),
    path("staff/services/<str:service_id>/", staff.edit_service, name="edit_service"),
    path("staff/changes/<int:change_id>/", staff.change_detail, name="change"),
]
