"""URLs of the registry's partnership and organisation pages."""

from django.urls import path

from partnerships.views import agreements, documents, members, reviews

from .views import compare, detail, search

app_name = "partnerships"

urlpatterns = [
    path("partnerships/export.csv", search.search_export, name="search-export"),
    path("partnerships/compare/", compare.compare, name="compare"),
    path("partnerships/compare/export.csv", compare.compare_export, name="compare-export"),
    path("partnerships/<slug:slug>/", detail.partnership_detail, name="detail"),
    path("partnerships/<slug:slug>/reviews/", reviews.reviews, name="reviews"),
    path("partnerships/<slug:slug>/reviews/<int:pk>/record/", reviews.review_record,
         name="review-record"),
    path("partnerships/<slug:slug>/reviews/<int:pk>/reschedule/", reviews.review_reschedule,
         name="review-reschedule"),
    path("partnerships/<slug:slug>/reviews/<int:pk>/cancel/", reviews.review_cancel,
         name="review-cancel"),
    path("partnerships/<slug:slug>/engagement/", reviews.engagement, name="engagement"),
    path("partnerships/<slug:slug>/engagement/export.csv", reviews.engagement_export,
         name="engagement-export"),
    path("organisations/<slug:slug>/", detail.organisation_detail, name="organisation"),
    path("agreements/<int:pk>/document/", documents.agreement_document,
         name="agreement-document"),
    # The partnership managers' pages (members, leads, agreements): partnerships.views.
    *members.urlpatterns,
    *agreements.urlpatterns,
]
