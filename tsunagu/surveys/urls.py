from django.urls import path

from tsunagu.surveys import views

urlpatterns = [
    path("", views.survey_list, name="survey_list"),
    path("districts/", views.district_list, name="district_list"),
    path("<int:pk>/", views.survey_detail, name="survey_detail"),
    path("<int:pk>/answers/<int:answer_pk>/", views.answer_edit, name="survey_answer_edit"),
    path(
        "<int:pk>/answers/<int:answer_pk>/remind/", views.answer_remind, name="survey_answer_remind"
    ),
    path(
        "<int:pk>/answers/<int:answer_pk>/questionnaire.pdf",
        views.answer_questionnaire,
        name="survey_questionnaire",
    ),
]
