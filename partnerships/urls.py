"""URLs of the registry's partnership and organisation pages."""

from django.urls import path

from .views import compare, detail, documents, search

app_name = "partnerships"

urlpatterns = [
    path("partnerships/export.csv", search.not_built_yet, name="search-export"),
    path("partnerships/compare/", compare.not_built_yet, name="compare"),
    path("partnerships/compare/export.csv", compare.not_built_yet, name="compare-export"),
    path("partnerships/<slug:slug>/", detail.not_built_yet, name="detail"),
    path("organisations/<slug:slug>/", detail.not_built_yet, name="organisation"),
    path("agreements/<int:pk>/document/", documents.agreement_document,
         name="agreement-document"),
]
