from django.urls import path

from tsunagu.network import views

urlpatterns = [
    path("", views.meeting_list, name="meeting_list"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/acknowledge/", views.meeting_acknowledge, name="meeting_acknowledge"),
]
