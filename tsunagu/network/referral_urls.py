"""Staff URLs of referrals (つなぎ), under /m/<code>/referrals/."""

from django.urls import path

from tsunagu.network import views

urlpatterns = [
    path("", views.referral_list, name="referral_list"),
    path("case/<int:pk>/new/", views.referral_new, name="referral_new"),
    path("<int:pk>/", views.referral_detail, name="referral_detail"),
]
