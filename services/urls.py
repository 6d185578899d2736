"""URLs of the service directory."""

from django.urls import path

from . import views

app_name = "services"

urlpatterns = [
    path("services/", views.not_built_yet, name="directory"),
    path("services/export.csv", views.not_built_yet, name="directory-export"),
    path("services/<slug:slug>/", views.not_built_yet, name="detail"),
]
