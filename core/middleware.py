"""Refusing unusable input before any view sees it.

Control characters (NUL above all) have no place in an address, a query, a form field or a JSON
string a person could have typed, and PostgreSQL refuses NUL in text outright, so a view that
looks one up fails with a 500. One middleware refuses them everywhere instead of every view and
serializer checking: a 400, as JSON under /api/ and as a styled page elsewhere. Looking inside a
JSON body means parsing it, so the size and depth bounds of ``core.parsers`` apply here too.

The offending value is never logged or echoed: it may be personal data.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from rest_framework.views import APIView

from core import parsers
from core.http import is_api_request

logger = logging.getLogger(__name__)

#: Every C0 control character and DEL: never in an address, a query, a name or a header.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: The same, but tab, line feed and carriage return are fine in text people type in a body.
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Header values may hold a tab (RFC 9110), nothing else below space.
CONTROL_IN_HEADER = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


ADVICE = "Remove it and try again. If you copied the text from somewhere else, type it instead."


class Refusal(Exception):
    """Why the request cannot be used, in words safe to show (no part of the value)."""

    def __init__(self, message: str, status: int = 400, *, for_people: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        # Pages say where in words a person uses ("the web address"), not "query parameter".
        self.for_people = for_people or message


def _named(kind: str, name: str) -> str:
    """'The query parameter “partnership”', naming the field only when the name itself is
    printable and short (names are ours, values are the user's)."""
    if name and len(name) <= 50 and not CONTROL.search(name) and name.isprintable():
        return f"The {kind} “{name}”"
    return f"A {kind}"


def _control_message(where: str) -> str:
    return (f"{where} contains a control character (such as a NUL byte), which cannot be "
            f"used. {ADVICE}")


def _check_pairs(pairs: QueryDict, kind: str, values: re.Pattern[str]) -> None:
    # A person on a page knows the web address, not its "query parameters"; form fields keep
    # their names, which match what the page calls them.
    for_people = _control_message("The web address") if kind == "query parameter" else ""
    for name, found in pairs.lists():
        if CONTROL.search(name):
            raise Refusal(_control_message(f"A {kind} name"), for_people=for_people)
        if any(values.search(value) for value in found if isinstance(value, str)):
            raise Refusal(_control_message(_named(kind, name)), for_people=for_people)


def _check_json(data: Any) -> None:
    """Keys and string values at any depth, walked with a stack (no recursion)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if CONTROL_IN_TEXT.search(item):
                raise Refusal(_control_message("A text value in the JSON body"))
        elif isinstance(item, dict):
            for key, value in item.items():
                if CONTROL.search(key):
                    raise Refusal(_control_message("A key in the JSON body"))
                stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)


def _is_json(content_type: str) -> bool:
    main = content_type.split(";", 1)[0].strip().lower()
    return main == "application/json" or main.endswith("+json")


def _text_encoding(request: HttpRequest) -> str | None:
    """The body's charset when it is a text encoding (``bz2_codec`` would inflate the body)."""
    encoding = request.encoding or "utf-8"
    try:
        "".encode(encoding)
    except (LookupError, UnicodeError):
        return None
    return encoding


def parses_multipart(view_func: Callable[..., Any]) -> bool:
    """Whether the view reads multipart bodies. Django views do (request.POST); a DRF view only
    when one of its parsers takes multipart, and otherwise answers 415 without reading the body,
    which reading it here would turn into a view given empty data."""
    cls = getattr(view_func, "cls", None)
    if cls is None or not issubclass(cls, APIView):
        return True
    initkwargs = getattr(view_func, "initkwargs", None) or {}
    parser_classes = initkwargs.get("parser_classes") or cls.parser_classes
    return any(str(getattr(parser, "media_type", "")).startswith("multipart/")
               for parser in parser_classes)


def check_body(request: HttpRequest, *, multipart: bool = True) -> None:
    """Raise :class:`Refusal` for a control character in a JSON body (keys and strings at any
    depth) or a form's text fields, or a JSON body over the size or depth bounds. Uploaded file
    contents are not checked: they are the upload's to judge."""
    content_type = request.content_type or ""
    if _is_json(content_type):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > parsers.max_bytes():
            raise Refusal(parsers.too_large_message(), status=413)
        encoding = _text_encoding(request)
        if not length or encoding is None:
            return  # nothing to read, or a charset the parser will refuse with its own message
        try:
            text = request.body.decode(encoding)
        except UnicodeDecodeError:
            return  # malformed: the parser explains
        if parsers.nesting_depth_exceeds(text, parsers.max_depth()):
            raise Refusal(parsers.too_deep_message())
        try:
            data = json.loads(text)
        except ValueError:
            return  # malformed: the parser explains
        _check_json(data)
    elif content_type == "application/x-www-form-urlencoded":
        # Parsed from the cached body, so the view (or DRF) can still read it as it likes.
        _check_pairs(QueryDict(request.body, encoding=request.encoding), "form field",
                     CONTROL_IN_TEXT)
    elif content_type == "multipart/form-data" and request.method == "POST" and multipart:
        # Django strips unprintable characters from uploaded file names itself.
        _check_pairs(request.POST, "form field", CONTROL_IN_TEXT)


def check_address(request: HttpRequest) -> None:
    """Raise :class:`Refusal` when the path, the query (names and values) or a header value
    holds a control character."""
    if CONTROL.search(request.path_info):
        raise Refusal(_control_message("The address"))
    _check_pairs(request.GET, "query parameter", CONTROL)
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str) and CONTROL_IN_HEADER.search(value):
            raise Refusal(_control_message("A request header"))


def refusal_response(request: HttpRequest, message: str, status: int) -> HttpResponse:
    """JSON ``{"detail": ...}`` for the API, the styled error page for people. Marked as
    logged: Django's request logger would otherwise write the address, with the refused value
    and perhaps a secret in it (a calendar link's token), as a warning."""
    if is_api_request(request):
        response: HttpResponse = JsonResponse({"detail": message}, status=status)
    else:
        response = render(request, "400.html", {"problem": message}, status=status)
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _refused(request: HttpRequest, check: Callable[[], None]) -> HttpResponse | None:
    """The refusal response when ``check`` refuses the request, else None."""
    try:
        check()
    except Refusal as refusal:
        # The status only, never the value or the address: either may hold personal data.
        logger.info("Refused unusable input with %s", refusal.status)
        message = refusal.message if is_api_request(request) else refusal.for_people
        return refusal_response(request, message, refusal.status)
    except RequestDataTooBig:
        return refusal_response(
            request, "The request is too large. Send less at once, or upload a file.", 413)
    except (MultiPartParserError, SuspiciousOperation):
        # TooManyFieldsSent, TooManyFilesSent, a broken multipart body: none can be used.
        return refusal_response(
            request, "The form could not be read. Go back, refresh the page and try again.", 400)
    return None


class RefuseControlCharactersMiddleware:
    """Answers 400 (413 for an oversized body) before the view runs: the address, query and
    headers on the way in; the body once the view is known (see :func:`parses_multipart`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return (_refused(request, lambda: check_address(request))
                or self.get_response(request))

    def process_view(self, request: HttpRequest, view_func: Callable[..., Any],
                     view_args: Any, view_kwargs: Any) -> HttpResponse | None:
        multipart = parses_multipart(view_func)
        return _refused(request, lambda: check_body(request, multipart=multipart))
