"""What the governance endpoints share in their OpenAPI description: the partnership's slug in
the path, and the answers for refused input, a reader who may not act, and what the caller may
not know exists."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse

from partnerships.api.reviews import SLUG

__all__ = ["REFUSED", "SLUG", "forbidden", "not_found"]
REFUSED = OpenApiResponse(description="The input is not valid, or the action refused it: the "
                                      "fields in error, each with its message. Nothing was "
                                      "changed.")


def forbidden(what: str) -> OpenApiResponse:
    """403: the caller reads ``what`` (e.g. "action log") but may not do this."""
    return OpenApiResponse(description=f"You may read this partnership's {what} but not do "
                                       "this: the detail says who may.")


def not_found(things: str) -> OpenApiResponse:
    """404: no such ``things`` (e.g. "partnership or action"), or none the caller may see."""
    return OpenApiResponse(description=f"No such {things}, or not one whose governance you may "
                                       "see (the two answers are the same).")
