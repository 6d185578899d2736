"""A JSON parser with bounds: the body's size and its nesting depth are checked before any
parsing, so a hostile body is a clear 4xx and never a RecursionError (a 500).

The helpers here are shared with ``core.middleware``, which applies the same bounds to every
JSON body, including those of API views that name DRF's own ``JSONParser``.
"""

from __future__ import annotations

import codecs
import json
import re
from typing import Any

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json as drf_json

#: Default bounds; settings JSON_MAX_BYTES / JSON_MAX_DEPTH override them.
JSON_MAX_BYTES = 1024 * 1024
JSON_MAX_DEPTH = 32

# A JSON string literal (escapes included), matched without backtracking.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


def max_bytes() -> int:
    return int(getattr(settings, "JSON_MAX_BYTES", JSON_MAX_BYTES))


def max_depth() -> int:
    return int(getattr(settings, "JSON_MAX_DEPTH", JSON_MAX_DEPTH))


def too_large_message() -> str:
    size, mb = max_bytes(), 1024 * 1024
    limit = f"{size // mb} MB" if size % mb == 0 else f"{max(size // 1024, 1)} KB"
    return f"The request body is too large: a JSON body can be at most {limit}."


def too_deep_message() -> str:
    return (f"The JSON is nested too deeply: at most {max_depth()} levels of arrays and objects "
            f"are allowed.")


def nesting_depth_exceeds(text: str, limit: int) -> bool:
    """Whether arrays/objects in ``text`` nest deeper than ``limit``, found with a loop rather
    than recursion (Python's json module recurses once per level). Brackets inside strings do
    not count; malformed text is left for the parser to report."""
    depth = 0
    for bracket in _BRACKETS.findall(_STRING.sub('""', text)):
        if bracket in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, refusing bodies over ``JSON_MAX_BYTES`` (413) and nesting deeper than
    ``JSON_MAX_DEPTH`` (400) before parsing."""

    def parse(self, stream: Any, media_type: str | None = None,
              parser_context: dict[str, Any] | None = None) -> Any:
        # DRF's check: text encodings only (a bytes codec such as bz2 would inflate the body).
        encoding = get_encoding(parser_context or {})
        limit = max_bytes()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(too_large_message())
        try:
            text = codecs.decode(raw, encoding)
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        if nesting_depth_exceeds(text, max_depth()):
            raise exceptions.ParseError(too_deep_message())
        parse_constant = drf_json.strict_constant if self.strict else None
        try:
            return json.loads(text, parse_constant=parse_constant)
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
