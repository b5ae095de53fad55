"""Staff URLs of the audit screens, under /m/<code>/audit/."""

from django.urls import path

from tsunagu.audit import views

urlpatterns = [
    path("", views.audit_index, name="audit_index"),
    path("cases/<int:pk>/history/", views.case_history, name="case_history"),
    path("persons/<int:pk>/access/", views.access_person, name="access_person"),
    path("persons/<int:pk>/access.csv", views.access_person_csv, name="access_person_csv"),
    path("users/access/", views.access_user, name="access_user"),
    path("users/access.csv", views.access_user_csv, name="access_user_csv"),
]
