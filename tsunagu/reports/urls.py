"""Staff URLs of statistics, under /m/<code>/statistics/."""

from django.urls import path

from tsunagu.reports import views

urlpatterns = [
    path("", views.statistics, name="statistics"),
    path("export.csv", views.statistics_csv, name="statistics_csv"),
    path("export.xlsx", views.statistics_xlsx, name="statistics_xlsx"),
    path("groups/", views.reporting_groups, name="reporting_groups"),
    path("groups/<int:pk>/", views.reporting_group_edit, name="reporting_group_edit"),
    path("groups/<int:pk>/delete/", views.reporting_group_delete, name="reporting_group_delete"),
]
