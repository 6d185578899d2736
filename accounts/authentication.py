"""API authentication with hashed API tokens (``Authorization: Token <key>``).

First in ``DEFAULT_AUTHENTICATION_CLASSES``, so DRF answers a request without credentials, or
with bad ones, with 401 and this class's ``WWW-Authenticate`` challenge. On success the request
is the token's user, ``request.auth`` is the ``ApiToken``, and the token is recorded for the
request (``core.authentication``) so the access log and the audit trail name it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from core import clock
from core.authentication import set_current_api_token
from core.throttling import FailedTokenThrottle

from . import tokens
from .models import ApiToken

KEYWORD = "Token"
# Clients poll: writing last_used_at on every call would be noise, once a minute is enough.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


class ApiTokenAuthentication(BaseAuthentication):
    keyword = KEYWORD

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        set_current_api_token(None)  # nothing from an earlier request on this thread
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None  # no token: the session authentication may still sign the user in
        throttle = FailedTokenThrottle()
        wait = throttle.blocked_for(request)
        if wait is not None:
            raise exceptions.Throttled(
                wait=wait, detail="Too many requests with a bad API token from your address.")
        try:
            token = self._token_for(parts)
        except exceptions.AuthenticationFailed:
            throttle.record_failure(request)
            raise
        self._note_use(token)
        set_current_api_token(token.pk)
        return token.user, token

    def _token_for(self, parts: list[bytes]) -> ApiToken:
        if len(parts) != 2:  # noqa: PLR2004 - "Token" and the key
            raise exceptions.AuthenticationFailed(
                "Invalid token header. Send ‘Authorization: Token <your token>’.")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        token = None
        if tokens.looks_like_key(key):
            token = (ApiToken.objects.select_related("user", "user__organisation")
                     .filter(digest=tokens.hash_key(key)).first())
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This token has been revoked.")
        if not token.is_live_on(clock.today()):
            raise exceptions.AuthenticationFailed(
                "This token has expired. Create a new one on your API tokens page.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        return token

    @staticmethod
    def _note_use(token: ApiToken) -> None:
        now = timezone.now()
        if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
            return
        token.last_used_at = now
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'
