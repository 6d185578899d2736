"""URLs of the partnerships pages."""

from django.urls import path

from . import views

app_name = "partnerships"

urlpatterns = [
    path("agreements/<int:pk>/document/", views.agreement_document, name="agreement-document"),
]
