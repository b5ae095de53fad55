from django.urls import path

from tsunagu.public import staff_views

urlpatterns = [
    path("inquiries/", staff_views.inquiry_list, name="web_inquiry_list"),
    path("inquiries/<int:pk>/answered/", staff_views.inquiry_answered, name="web_inquiry_answered"),
    path("inquiries/<int:pk>/new-case/", staff_views.inquiry_new_case, name="web_inquiry_new_case"),
    path("public-page/", staff_views.page_edit, name="public_page_edit"),
]
