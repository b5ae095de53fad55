from django.urls import path

from tsunagu.programmes import views

urlpatterns = [
    path("", views.programme_list, name="programme_list"),
    path("new/", views.programme_new, name="programme_new"),
    path("<int:pk>/", views.programme_detail, name="programme_detail"),
    path("<int:pk>/sessions/<int:number>/", views.meeting_detail, name="programme_meeting"),
    path("enrolments/<int:pk>/certificate.pdf", views.certificate, name="programme_certificate"),
]
