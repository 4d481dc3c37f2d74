from django.urls import path

from . import views

app_name = "chatbot"
urlpatterns = [
    path("survey/<str:token>/", views.survey, name="survey"),
    path("answer/<str:token>/<str:answer>/", views.answer_feedback, name="answer-feedback"),
    path("<slug:article_id>/<str:language>/", views.faq_article, name="faq-article"),
]
