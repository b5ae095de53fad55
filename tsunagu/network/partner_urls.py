"""Staff URLs of the partner directory, under /m/<code>/partners/."""

from django.urls import path

from tsunagu.network import views

urlpatterns = [
    path("", views.partner_list, name="partner_list"),
    path("<int:pk>/", views.partner_edit, name="partner_edit"),
]
