"""URLs of the service directory."""

from django.urls import path

from . import views

app_name = "services"

urlpatterns = [
    path("services/", views.directory, name="directory"),
    path("services/export.csv", views.directory_export, name="directory-export"),
    path("services/<slug:slug>/", views.detail, name="detail"),
]
