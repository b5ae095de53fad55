from django.urls import path

from tsunagu.places import views

urlpatterns = [
    path("", views.place_list, name="place_list"),
    path("new/", views.place_new, name="place_new"),
    path("<int:pk>/", views.place_detail, name="place_detail"),
    path("<int:pk>/edit/", views.place_edit, name="place_edit"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/change/", views.session_change, name="session_change"),
]
