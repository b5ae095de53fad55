from django.urls import path

from tsunagu.tenancy import views

urlpatterns = [
    path("admin/organizations/", views.organization_list, name="organization_list"),
    path("admin/organizations/<int:pk>/", views.organization_edit, name="organization_edit"),
    path("admin/members/", views.membership_list, name="membership_list"),
    path("admin/members/<int:pk>/", views.membership_edit, name="membership_edit"),
    path(
        "admin/members/<int:pk>/password-reset/",
        views.membership_password_reset,
        name="membership_password_reset",
    ),
    path(
        "admin/members/<int:pk>/mfa-reset/", views.membership_mfa_reset, name="membership_mfa_reset"
    ),
]
