"""URLs of the monitoring pages: providers' returns, the lead partner's reviews, dashboards."""

from django.urls import path

from .views import dashboards, returns, upload

app_name = "monitoring"

urlpatterns = [
    path("monitoring/", dashboards.home, name="home"),
    # Providers: what is owed, the return form, corrections, uploads.
    path("monitoring/returns/", returns.my_returns, name="my-returns"),
    path("monitoring/returns/start/", returns.return_start, name="return-start"),
    path("monitoring/returns/<int:pk>/", returns.return_detail, name="return"),
    path("monitoring/returns/<int:pk>/edit/", returns.return_edit, name="return-edit"),
    path("monitoring/returns/<int:pk>/check/", returns.return_check, name="return-check"),
    path("monitoring/returns/<int:pk>/correct/", returns.return_correct, name="return-correct"),
    path("monitoring/returns/<int:pk>/upload/", upload.return_upload, name="return-upload"),
    path("monitoring/returns/<int:pk>/template.<str:fmt>", upload.return_template,
         name="return-template"),
    # Lead partner: returns waiting for review; approve or send back.
    path("monitoring/reviews/", returns.reviews, name="reviews"),
    path("monitoring/returns/<int:pk>/review/", returns.return_review, name="return-review"),
    # Lead partner and commissioners: dashboards and their exports (fmt: csv or xlsx).
    path("monitoring/partnerships/<slug:slug>/", dashboards.dashboard, name="dashboard"),
    path("monitoring/partnerships/<slug:slug>/<str:report>.<str:fmt>",
         dashboards.dashboard_export, name="dashboard-export"),
    path("monitoring/partnerships/<slug:slug>/metrics/<slug:code>/", dashboards.metric,
         name="metric"),
    path("monitoring/partnerships/<slug:slug>/metrics/<slug:code>/<str:report>.<str:fmt>",
         dashboards.metric_export, name="metric-export"),
    path("monitoring/partnerships/<slug:slug>/frameworks/<int:pk>/", dashboards.framework_report,
         name="framework"),
    path("monitoring/partnerships/<slug:slug>/frameworks/<int:pk>/report.<str:fmt>",
         dashboards.framework_export, name="framework-export"),
]
