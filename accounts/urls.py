"""URLs of the account pages: the user's own API tokens."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("account/api-tokens/", views.api_token_list, name="api-tokens"),
    path("account/api-tokens/new/", views.api_token_create, name="api-token-new"),
    path("account/api-tokens/<int:pk>/revoke/", views.api_token_revoke,
         name="api-token-revoke"),
]
