from django.urls import path

from tsunagu.supporters import views

urlpatterns = [
    path("", views.supporter_list, name="supporter_list"),
    path("new/", views.supporter_edit, name="supporter_create"),
    path("<int:pk>/edit/", views.supporter_edit, name="supporter_edit"),
    path("requests/case/<int:pk>/", views.dispatch_request_new, name="dispatch_request_new"),
    path("case/<int:pk>/", views.case_supporter_activity, name="case_supporter_activity"),
    path("matching/", views.matching_page, name="matching"),
    path("matching/approve/", views.dispatch_approve, name="dispatch_approve"),
    path("mine/", views.my_dispatches, name="my_dispatches"),
    path("dispatches/<int:pk>/activity/", views.activity_log_new, name="activity_log_new"),
    path("statistics/", views.supporter_statistics, name="supporter_statistics"),
    path("meetings/", views.supporter_meetings, name="supporter_meetings"),
    path(
        "meetings/<int:pk>/attendance/",
        views.supporter_meeting_attendance,
        name="supporter_meeting_attendance",
    ),
]
