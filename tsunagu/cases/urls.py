"""Staff URLs of casework, under /m/<code>/cases/."""

from django.urls import path

from tsunagu.cases import views

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.case_open, name="case_open"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("<int:pk>/assign/", views.case_assign, name="case_assign"),
    path("<int:pk>/stage/", views.case_change_stage, name="case_change_stage"),
    path("<int:pk>/close/", views.case_close, name="case_close"),
    path("<int:pk>/reopen/", views.case_reopen, name="case_reopen"),
    path("<int:pk>/plan/", views.plan_item_add, name="plan_item_add"),
    path("<int:pk>/plan/<int:item_pk>/review/", views.plan_item_review, name="plan_item_review"),
    path("<int:pk>/risks/", views.risk_raise, name="risk_raise"),
    path("<int:pk>/risks/<int:flag_pk>/clear/", views.risk_clear, name="risk_clear"),
]
