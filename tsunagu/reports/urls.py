"""Staff URLs of statistics, under /m/<code>/statistics/."""

from django.urls import path

from tsunagu.reports import dashboard_views, views
from tsunagu.reports.export_job_views import export_start

urlpatterns = [
    path("", views.statistics, name="statistics"),
    path("export.csv", export_start, {"kind": "statistics_csv"}, name="statistics_csv"),
    path("export.xlsx", export_start, {"kind": "statistics_xlsx"}, name="statistics_xlsx"),
    path("export.pdf", export_start, {"kind": "statistics_pdf"}, name="statistics_pdf"),
    path("dashboard/", dashboard_views.dashboard_page, name="statistics_dashboard"),
    path(
        "dashboard.xlsx", export_start, {"kind": "dashboard_xlsx"}, name="statistics_dashboard_xlsx"
    ),
    path("groups/", views.reporting_groups, name="reporting_groups"),
    path("groups/<int:pk>/", views.reporting_group_edit, name="reporting_group_edit"),
    path("groups/<int:pk>/delete/", views.reporting_group_delete, name="reporting_group_delete"),
]
