"""Staff screens of accounts under /m/<code>/accounts/: lockouts."""

from django.urls import path

from tsunagu.accounts import views

urlpatterns = [
    path("lockouts/", views.lockouts, name="lockout_list"),
    path("lockouts/unlock/", views.lockout_unlock, name="lockout_unlock"),
]
