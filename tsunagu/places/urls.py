from django.urls import path

from tsunagu.places import views
from tsunagu.reports.export_job_views import export_start

urlpatterns = [
    path("", views.place_list, name="place_list"),
    path("calendar/", views.municipality_calendar, name="places_calendar"),
    path("calendar/feed/", views.my_feed, name="my_feed"),
    path("statistics/", views.places_statistics, name="places_statistics"),
    path(
        "statistics.csv",
        export_start,
        {"kind": "places_statistics_csv"},
        name="places_statistics_csv",
    ),
    path(
        "statistics.xlsx",
        export_start,
        {"kind": "places_statistics_xlsx"},
        name="places_statistics_xlsx",
    ),
    path("new/", views.place_new, name="place_new"),
    path("<int:pk>/", views.place_detail, name="place_detail"),
    path("<int:pk>/edit/", views.place_edit, name="place_edit"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/change/", views.session_change, name="session_change"),
]
