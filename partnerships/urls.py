"""URLs of the registry's partnership and organisation pages."""

from django.urls import path

from .views import compare, detail, documents, search

app_name = "partnerships"

urlpatterns = [
    path("partnerships/export.csv", search.search_export, name="search-export"),
    path("partnerships/compare/", compare.compare, name="compare"),
    path("partnerships/compare/export.csv", compare.compare_export, name="compare-export"),
    path("partnerships/<slug:slug>/", detail.partnership_detail, name="detail"),
    path("organisations/<slug:slug>/", detail.organisation_detail, name="organisation"),
    path("agreements/<int:pk>/document/", documents.agreement_document,
         name="agreement-document"),
]
