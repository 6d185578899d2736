"""Governance pages, under the partnership's address (``/partnerships/<slug>/governance/…``)."""

from __future__ import annotations

from django.urls import path  # noqa: F401

from .views import actions as action_views
from .views import bodies as body_views
from .views import feedback as feedback_views
from .views import insights as insight_views
from .views import training as training_views

app_name = "governance"

urlpatterns: list = [
    path("partnerships/<slug:slug>/governance/", body_views.structure_page, name="structure"),
    path("partnerships/<slug:slug>/governance/bodies/new/", body_views.body_add,
         name="body-add"),
    path("partnerships/<slug:slug>/governance/bodies/<int:pk>/", body_views.body_detail,
         name="body"),
    path("partnerships/<slug:slug>/governance/bodies/<int:pk>/edit/", body_views.body_edit,
         name="body-edit"),
    path("partnerships/<slug:slug>/governance/bodies/<int:pk>/seats/new/", body_views.seat_add,
         name="seat-add"),
    path("partnerships/<slug:slug>/governance/bodies/<int:pk>/seats/<int:seat_pk>/end/",
         body_views.seat_end, name="seat-end"),
    path("partnerships/<slug:slug>/governance/bodies/<int:pk>/decisions/new/",
         body_views.decision_add, name="decision-add"),
    path("partnerships/<slug:slug>/governance/bodies/<int:pk>/terms/",
         body_views.terms_document, name="body-terms"),
    path("partnerships/<slug:slug>/governance/actions/", action_views.action_log,
         name="actions"),
    path("partnerships/<slug:slug>/governance/actions/download.<str:fmt>",
         action_views.action_log_export, name="actions-export"),
    path("partnerships/<slug:slug>/governance/actions/new/", action_views.action_new,
         name="action-new"),
    path("partnerships/<slug:slug>/governance/actions/<int:pk>/", action_views.action_detail,
         name="action"),
    path("partnerships/<slug:slug>/governance/actions/<int:pk>/complete/",
         action_views.action_complete, name="action-complete"),
    path("partnerships/<slug:slug>/governance/actions/<int:pk>/drop/",
         action_views.action_drop, name="action-drop"),
    path("partnerships/<slug:slug>/governance/actions/<int:pk>/edit/",
         action_views.action_edit, name="action-edit"),
    path("partnerships/<slug:slug>/governance/insights/", insight_views.insights,
         name="insights"),
    path("partnerships/<slug:slug>/governance/insights/mine/", insight_views.my_insights,
         name="my-insights"),
    path("partnerships/<slug:slug>/governance/insights/<int:pk>/", insight_views.insight_detail,
         name="insight"),
    path("partnerships/<slug:slug>/governance/training/", training_views.training,
         name="training"),
    path("partnerships/<slug:slug>/governance/feedback/", feedback_views.feedback,
         name="feedback"),
    path("partnerships/<slug:slug>/governance/feedback/export.csv",
         feedback_views.feedback_export, name="feedback-export"),
]
