from django.urls import path

from tsunagu.home import views

urlpatterns = [
    path("", views.home, name="home"),
]
