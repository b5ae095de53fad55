"""Staff URLs of export jobs, under /m/<code>/exports/."""

from django.urls import path

from tsunagu.reports import export_job_views

urlpatterns = [
    # Exports of apps that do not import this one; the statistics screens route their own.
    path(
        "consultations.csv",
        export_job_views.export_start,
        {"kind": "consultations_csv"},
        name="consultation_list_csv",
    ),
    path(
        "consultations.xlsx",
        export_job_views.export_start,
        {"kind": "consultations_xlsx"},
        name="consultation_list_xlsx",
    ),
    path(
        "supporters/payments.xlsx",
        export_job_views.export_start,
        {"kind": "supporter_payments_xlsx"},
        name="supporter_payments_xlsx",
    ),
    path(
        "surveys/<int:pk>.xlsx",
        export_job_views.export_start,
        {"kind": "survey_xlsx"},
        name="survey_xlsx",
    ),
    path(
        "cases/<int:pk>/record.pdf",
        export_job_views.export_start,
        {"kind": "case_record_pdf"},
        name="case_record_pdf",
    ),
    path("<int:pk>/", export_job_views.export_job, name="export_job"),
    path("<int:pk>/progress/", export_job_views.export_job_progress, name="export_job_progress"),
    path("<int:pk>/download/", export_job_views.export_job_download, name="export_job_download"),
    path("<int:pk>/retry/", export_job_views.export_job_retry, name="export_job_retry"),
]
