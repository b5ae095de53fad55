from django.urls import path

from tsunagu.retention import views

urlpatterns = [path("", views.retention, name="retention")]
