"""Public pages of a municipality (namespace "public"): no login, no personal data."""

from django.urls import path

from tsunagu.public import views

app_name = "public"

urlpatterns = [
    path("", views.index, name="index"),
    path("inquiry", views.inquiry, name="inquiry"),
    path("statistics", views.statistics, name="statistics"),
    path("events/<int:pk>", views.event, name="event"),
    path("events/cancel/<str:token>", views.event_cancel, name="event_cancel"),
]
