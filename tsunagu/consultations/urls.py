"""Staff URLs of consultations, under /m/<code>/consultations/."""

from django.urls import path

from tsunagu.consultations import correction_views, import_template, views

urlpatterns = [
    path("", views.consultation_list, name="consultation_list"),
    path("new/", views.consultation_new, name="consultation_new"),
    path("new/persons/", views.consultation_person_search, name="consultation_person_search"),
    path("new/cases/", views.consultation_person_cases, name="consultation_person_cases"),
    path("<int:pk>/", views.consultation_detail, name="consultation_detail"),
    path("<int:pk>/correct/", correction_views.consultation_correct, name="consultation_correct"),
    path("<int:pk>/link/", correction_views.consultation_link, name="consultation_link"),
    path("<int:pk>/delete/", correction_views.consultation_delete, name="consultation_delete"),
    path(
        "<int:pk>/follow-up-done/",
        views.consultation_follow_up_done,
        name="consultation_follow_up_done",
    ),
    path("import/", views.consultation_import, name="consultation_import"),
    path(
        "import/template.xlsx",
        import_template.consultation_import_template,
        name="consultation_import_template",
    ),
    path("import/<int:pk>/", views.consultation_import_job, name="consultation_import_job"),
    path(
        "import/<int:pk>/progress/",
        views.consultation_import_progress,
        name="consultation_import_progress",
    ),
    path(
        "import/<int:pk>/confirm/",
        views.consultation_import_confirm,
        name="consultation_import_confirm",
    ),
    path(
        "import/<int:pk>/retry/",
        views.consultation_import_retry,
        name="consultation_import_retry",
    ),
    path(
        "import/<int:pk>/cancel/",
        views.consultation_import_cancel,
        name="consultation_import_cancel",
    ),
]
