"""The OpenAPI schema's error answers: every operation documents the 4xx (and 503) shapes it can
give, as named components, so a client (and the contract test in tests/contract/) can rely on them.

drf-spectacular documents only what a view declares, and most views declare only their success
answer and perhaps a description-only 400/404. Yet every operation can answer 401 (no or bad
credentials), 400 (a control character in its URL, refused centrally, besides each view's own
checks), 403 (not allowed), 429 (throttled) and 503 (database unavailable); every route with a
path parameter and every paginated list can answer 404; every write can clash with another
(409: a stale version, a duplicate, or a database constraint that stopped it) and its body can be
too large (413). This schema class adds those answers to each operation, and gives the
description-only answers a body. It also tags each operation with its area (``AREAS``).
"""

from __future__ import annotations

import copy
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent

_SCHEMA = ResolvedComponent.SCHEMA

ERROR_DETAIL = "ErrorDetail"
VALIDATION_ERRORS = "ValidationErrors"
FIELD_ERRORS = "FieldErrors"
BAD_REQUEST = "BadRequest"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


#: The component schemas, by name. ``FieldErrors`` and ``ValidationErrors`` refer to each other
#: because DRF nests errors the way the input nests (a list of objects, an object in an object).
COMPONENTS: dict[str, dict[str, Any]] = {
    ERROR_DETAIL: {
        "type": "object",
        "description": "One message about the whole request, in plain English.",
        "properties": {"detail": {"type": "string", "description": "What went wrong."}},
        "required": ["detail"],
        "example": {"detail": "You do not have permission to perform this action."},
    },
    VALIDATION_ERRORS: {
        "type": "object",
        "description": (
            "The fields in error, each with its messages; errors that concern no single field "
            "are under non_field_errors. A field of a nested input holds the same shape "
            "(or a list of them, one for each item of a list)."),
        "additionalProperties": _ref(FIELD_ERRORS),
        "example": {"closed_on": ["A case cannot close before it opened."]},
    },
    FIELD_ERRORS: {
        "description": "A field's messages, or the errors of the nested input it holds.",
        "anyOf": [
            {"type": "array", "items": {"anyOf": [{"type": "string"},
                                                  _ref(VALIDATION_ERRORS)]}},
            _ref(VALIDATION_ERRORS),
        ],
    },
    BAD_REQUEST: {
        "description": (
            "Either the fields in error (ValidationErrors) or, for a request that could not be "
            "read at all (malformed JSON, a character that is not allowed, a query parameter "
            "that is not valid), one message (ErrorDetail)."),
        "anyOf": [_ref(VALIDATION_ERRORS), _ref(ERROR_DETAIL)],
    },
}

#: Which component each error answer's body takes, with the description used when the view
#: gave none.
ERRORS: dict[str, tuple[str, str]] = {
    "400": (BAD_REQUEST, "The request is not valid, and nothing was changed: the body says why."),
    "401": (ERROR_DETAIL, "No credentials, or credentials that are not valid (an unknown, "
                          "expired or revoked token). Send 'Authorization: Token <token>', or "
                          "sign in."),
    "403": (ERROR_DETAIL, "Signed in, but this account may not do this."),
    "404": (ERROR_DETAIL, "No such object, or not one you may see (the two answers are the "
                          "same)."),
    "409": (ERROR_DETAIL, "Someone else changed this since you read it, or the same thing was "
                          "just created by another request; nothing was saved. Read it again."),
    "413": (ERROR_DETAIL, "The request body is too large; nothing was changed."),
    "429": (ERROR_DETAIL, "Too many requests: wait the number of seconds in Retry-After, then "
                          "try again."),
    "503": (ERROR_DETAIL, "The service is unavailable for a moment (for example its database "
                          "is being restarted); try again shortly. Nothing was changed."),
}

#: The headers some answers carry (from the token authentication, the throttles, core.faults).
HEADERS: dict[str, dict[str, dict[str, Any]]] = {
    "401": {"WWW-Authenticate": {"schema": {"type": "string"},
                                 "description": "How to authenticate: 'Token'."}},
    "429": {"Retry-After": {"schema": {"type": "integer"},
                            "description": "Seconds to wait before trying again."}},
    "503": {"Retry-After": {"schema": {"type": "integer"},
                            "description": "Seconds to wait before trying again."}},
}

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: The area (OpenAPI tag) of each operation, by the first part of its path after /api/v1/; a
#: partnership's own sub-resources (the second part, after its slug) have their own areas. The
#: descriptions are SPECTACULAR_SETTINGS["TAGS"] (config/settings/base.py), in the same order.
AREAS: dict[str, str] = {
    "partnerships": "Partnerships",
    "organisations": "Organisations",
    "agreements": "Agreements",
    "memberships": "Memberships and leads",
    "lead-responsibilities": "Memberships and leads",
    "funding": "Funding",
    "services": "Services",
    "locations": "Services",
    "metrics": "Monitoring",
    "frameworks": "Monitoring",
    "reporting-periods": "Monitoring",
    "return-requirements": "Monitoring",
    "returns": "Monitoring",
    "dashboards": "Monitoring",
    "cases": "Casework",
    "case-counts": "Casework",
    "continuity": "Casework",
    "referrals": "Casework",
    "conferences": "Casework",
    "notices": "Casework",
    "referral-pathways": "Casework",
    "sharing-protocols": "Casework",
    "notifications": "Notifications",
    "notification-preferences": "Notifications",
    "tokens": "Account",
    "account": "Account",
    "me": "Account",
}
PARTNERSHIP_AREAS: dict[str, str] = {
    "reviews": "Reviews",
    "engagement": "Reviews",
    "memberships": "Memberships and leads",
    "lead-partner": "Memberships and leads",
    "lead-responsibilities": "Memberships and leads",
    "funding": "Funding",
    "governance": "Governance",
}


def area_of(parts: list[str]) -> str | None:
    """The area of a path, given its parts after /api/v1/ without the path parameters (e.g.
    ``["partnerships", "reviews", "record"]``); None for a path outside every area."""
    if not parts:
        return None
    if parts[0] == "partnerships" and len(parts) > 1 and parts[1] in PARTNERSHIP_AREAS:
        return PARTNERSHIP_AREAS[parts[1]]
    return AREAS.get(parts[0])


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema plus the error answers each operation can give (see the module
    docstring for which). A view's own documentation of an answer wins: its description is
    kept, and its body, if it has one, is offered alongside the generic shape."""

    def get_operation(self, path: str, path_regex: str, path_prefix: str, method: str,
                      registry: Any) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for code in self.error_codes(operation):
            self._document_error(operation["responses"], code)
        return operation

    def get_tags(self) -> list[str]:
        """One tag per area ("Partnerships", "Reviews", "Casework", ...), not one "v1" for the
        whole API, so the docs group the operations the way their users think of them."""
        parts = [p for p in self.path.split("/") if p and not p.startswith("{")]
        if parts[:2] == ["api", "v1"]:
            parts = parts[2:]
        area = area_of(parts)
        return [area] if area else super().get_tags()

    def error_codes(self, operation: dict[str, Any]) -> list[str]:
        """The error answers this operation can give, besides those its view documents."""
        parameters = operation.get("parameters", [])
        # 400 everywhere: a control character (NUL, say) anywhere in the URL is refused before
        # any view sees it (core.middleware), besides each view's own checks of its input.
        codes = {"400", "401", "403", "429", "503"}
        if any(p.get("in") == "path" for p in parameters) or self._is_paginated_list():
            codes.add("404")  # an unknown object, or a page past the end of a list
        if self.method in WRITE_METHODS or "requestBody" in operation:
            # A body past the size limit; a write that clashes with another (a stale version,
            # a duplicate the view refuses, or a database constraint core.api turns into 409).
            codes |= {"409", "413"}
        return sorted(codes)

    def _is_paginated_list(self) -> bool:
        return bool(self.method == "GET" and self._is_list_view() and self._get_paginator())

    def _document_error(self, responses: dict[str, Any], code: str) -> None:
        component, description = ERRORS[code]
        generic = self._component(component)
        response = responses.setdefault(code, {"description": description})
        response["description"] = response.get("description") or description
        content = response.setdefault("content", {})
        existing = content.get("application/json", {}).get("schema")
        if existing and existing != generic:
            schema: dict[str, Any] = {"anyOf": [existing, generic]}
        else:
            schema = generic
        content["application/json"] = {**content.get("application/json", {}), "schema": schema}
        if code in HEADERS:
            response["headers"] = {**HEADERS[code], **response.get("headers", {})}

    def _component(self, name: str) -> dict[str, str]:
        """Register ``name`` (and the components it refers to) and return its reference."""
        for each in COMPONENTS:  # small and mutually referring: register them all together
            self.registry.register_on_missing(
                ResolvedComponent(name=each, type=_SCHEMA, schema=copy.deepcopy(COMPONENTS[each]),
                                  object=each))
        return _ref(name)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Documents the hashed API tokens (accounts.authentication) as DRF's tokens were: an
    ``Authorization: Token <key>`` header, under the same scheme name, so clients see no change.
    (drf-spectacular finds extensions by subclassing; this module is loaded with the schema.)"""

    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "Token-based authentication with required prefix \"Token\""}
