from __future__ import annotations

from django.urls import path

from web.interventions import staff, views

app_name = "interventions"

urlpatterns = [
    path("recipe/<str:recipe>/", views.intervention_list, name="list"),
    path("<int:intervention_id>/", views.intervention_detail, name="detail"),
    path("<int:intervention_id>/plan.yaml", views.plan_yaml, name="plan_yaml"),
    path("recipe/<str:recipe>/new/", staff.create, name="create"),
    path("<int:intervention_id>/edit/", staff.edit, name="edit"),
    path("<int:intervention_id>/progress/", staff.manage, name="manage"),
    path("<int:intervention_id>/sessions/", staff.add_session, name="add_session"),
    path("<int:intervention_id>/updates/", staff.add_update, name="add_update"),
    path("<int:intervention_id>/milestones/", staff.add_milestone, name="add_milestone"),
    path("milestones/<int:milestone_id>/done/", staff.milestone_done, name="milestone_done"),
    path("<int:intervention_id>/plan/", staff.plan, name="plan"),
    path("<int:intervention_id>/plan/freeze/", staff.freeze, name="freeze"),
    path("<int:intervention_id>/evaluate/", staff.evaluate, name="evaluate"),
    path("runs/<int:run_id>/", staff.run, name="run"),
    path("runs/<int:run_id>/publish/", staff.publish_run, name="publish_run"),
    path("runs/<int:run_id>/<str:plot>.svg", views.run_plot, name="run_plot"),
    path(
        "released/<int:evaluation_id>/<str:plot>.svg",
        views.released_plot,
        name="released_plot",
    ),
]
