"""Staff URLs of persons, under /m/<code>/persons/."""

from django.urls import path

from tsunagu.people import consent_views, merge_views, views

urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("new/", views.person_create, name="person_create"),
    path("duplicates/", merge_views.person_duplicates, name="person_duplicates"),
    path("<int:pk>/merge/", merge_views.person_merge, name="person_merge"),
    path("merges/<int:pk>/undo/", merge_views.person_merge_undo, name="person_merge_undo"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("<int:pk>/family/new/", views.family_member_add, name="family_member_add"),
    path("<int:pk>/family/<int:family_pk>/", views.family_member_edit, name="family_member_edit"),
    path("<int:pk>/consents/new/", consent_views.consent_new, name="consent_new"),
    path(
        "<int:pk>/consents/<int:consent_pk>/revoke/",
        consent_views.consent_revoke,
        name="consent_revoke",
    ),
    path(
        "<int:pk>/consents/<int:consent_pk>/document/",
        consent_views.consent_document,
        name="consent_document",
    ),
]
