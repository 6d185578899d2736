"""Top-level URLs: pages, the admin, and the versioned API with its schema and docs."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.forms import AdminSignInForm, SignInForm
from composition.views import search as partnership_search
from composition.views import your_work
from core import views as core_views

urlpatterns = [
    # Home: "Your work" for a user with something to act on, else the registry search; the
    # search is also at its own address, which never redirects (composition.views.your_work).
    path("", your_work.home, name="home"),
    path("search/", partnership_search.search, name="search"),
    path("your-work/", your_work.your_work, name="your-work"),
    path("health/", core_views.health, name="health"),
    path("sign-in/", auth_views.LoginView.as_view(template_name="accounts/sign_in.html",
                                                  authentication_form=SignInForm,
                                                  redirect_authenticated_user=True),
         name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    # The "partnerships" namespace: its own pages and the composed ones.
    path("", include("composition.urls")),
    path("", include("services.urls")),
    path("", include("monitoring.urls")),
    path("", include("referrals.urls")),
    path("", include("governance.urls")),
    path("", include("notifications.urls")),
    path("", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file, so the CSP needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
         name="api-docs"),
]

# The admin's own sign-in page, with the username bounded as on ours (accounts.forms).
admin.site.login_form = AdminSignInForm

# Error pages: JSON under /api/, the styled templates elsewhere (core.views).
handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
