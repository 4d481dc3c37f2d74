from django.urls import path

from . import views

app_name = "chatbot"
urlpatterns = [
    path("<slug:article_id>/<str:language>/", views.faq_article, name="faq-article"),
]
