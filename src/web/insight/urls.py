from __future__ import annotations

from django.urls import path

from web.insight import staff, staff_themes, views

app_name = "insight"

urlpatterns = [
    path("rounds/<int:round_id>/", views.give, name="give"),
    path("rounds/<int:round_id>/thank-you/", views.given, name="given"),
    # The private link's key is in the query string, which the web server's log leaves out.
    path("your-contribution/", views.contribution, name="contribution"),
    path("your-contribution/delete/", views.delete_contribution, name="delete_contribution"),
    path("moderation-policy/", views.policy, name="policy"),
    path("privacy/", views.privacy, name="privacy"),
    path("staff/rounds/", staff.round_list, name="rounds"),
    path("staff/rounds/new/", staff.round_create, name="round_create"),
    path("staff/rounds/<int:round_id>/", staff.round_detail, name="round"),
    path("staff/rounds/<int:round_id>/add-area/", staff.round_add_area, name="round_add_area"),
    path("staff/rounds/<int:round_id>/status/", staff.round_status, name="round_status"),
    path("staff/responses/<int:round_area_id>/", staff.response, name="response"),
    path("staff/moderation/", staff.queue, name="queue"),
    path("staff/moderation/<int:contribution_id>/", staff.moderate, name="moderate"),
    path("staff/decisions/", staff.decisions, name="decisions"),
    path("staff/decisions.csv", staff.decisions_csv, name="decisions_csv"),
    path("staff/review/", staff.review, name="review"),
    path("staff/rounds/<int:round_id>/themes/", staff_themes.themes, name="themes"),
    path(
        "staff/rounds/<int:round_id>/themes/suggest/",
        staff_themes.suggest,
        name="themes_suggest",
    ),
    path(
        "staff/rounds/<int:round_id>/themes/code/",
        staff_themes.code_the_rest,
        name="themes_code",
    ),
    path("staff/rounds/<int:round_id>/themes/new/", staff_themes.theme_new, name="theme_new"),
    path("staff/themes/<int:theme_id>/", staff_themes.theme_edit, name="theme_edit"),
    path(
        "staff/contributions/<int:contribution_id>/themes/",
        staff_themes.contribution_themes,
        name="contribution_themes",
    ),
    path("rounds/<int:round_id>/report/", views.report, name="report"),
]
