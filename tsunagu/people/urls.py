"""Staff URLs of persons, under /m/<code>/persons/."""

from django.urls import path

from tsunagu.people import views

urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("new/", views.person_create, name="person_create"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("<int:pk>/family/new/", views.family_member_add, name="family_member_add"),
    path("<int:pk>/family/<int:family_pk>/", views.family_member_edit, name="family_member_edit"),
]
