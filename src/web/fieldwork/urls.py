from __future__ import annotations

from django.urls import path

from web.fieldwork import staff, views

app_name = "fieldwork"

urlpatterns = [
    path("surveys/<int:survey_id>/", views.answer, name="answer"),
    path("surveys/<int:survey_id>/thank-you/", views.answered, name="answered"),
    path("surveys/<int:survey_id>/report/", views.report, name="survey_report"),
    # The private link's key is in the query string, which the web server's log leaves out.
    path("your-answers/", views.your_answers, name="response"),
    path("your-answers/delete/", views.delete_your_answers, name="delete_response"),
    path("staff/records/", staff.record_list, name="records"),
    path("staff/records/new/", staff.record_create, name="record_create"),
    path("staff/records/<int:record_id>/", staff.record_detail, name="record"),
    path("staff/records/<int:record_id>/edit/", staff.record_edit, name="record_edit"),
    path("staff/surveys/", staff.survey_list, name="surveys"),
    path("staff/surveys/new/", staff.survey_create, name="survey_create"),
    path("staff/surveys/<int:survey_id>/", staff.survey_detail, name="survey"),
    path("staff/surveys/<int:survey_id>/status/", staff.survey_status, name="survey_status"),
    path("staff/surveys/<int:survey_id>/results/", staff.survey_results_page, name="results"),
    path(
        "staff/questions/<int:question_id>/remove/",
        staff.question_remove,
        name="question_remove",
    ),
    path(
        "staff/moderation/answers/<int:answer_id>/",
        staff.moderate_answer,
        name="moderate_answer",
    ),
    path(
        "staff/moderation/records/<int:record_id>/",
        staff.moderate_record,
        name="moderate_record",
    ),
]
