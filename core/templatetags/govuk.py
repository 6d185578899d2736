"""Template tags that render Django forms, sorting and pagination as GOV.UK Design System markup,
so every page shares one implementation of the components."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django import forms, template
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from core import display, navigation

register = template.Library()


def _widget_kind(field: forms.BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    return "input"


@register.simple_tag
def govuk_field(field: forms.BoundField, label_size: str = "s", classes: str = "",
                small: bool = False) -> SafeString:
    """One form field with its label, hint and error message, as the GOV.UK components."""
    kind = _widget_kind(field)
    value = field.value()
    if kind in ("checkboxes",):
        selected = {str(v) for v in (value or [])}
    else:
        selected = {str(value)} if value not in (None, "") else set()
    options = []
    if kind in ("checkboxes", "radios", "select"):
        for index, (key, label) in enumerate(cast(Any, field.field).choices):
            key = "" if key is None else str(getattr(key, "value", key))
            # Checkbox/radio groups have no id_for_label in Django 5.2: use auto_id.
            options.append({"value": key, "label": label, "selected": key in selected,
                            "id": f"{field.auto_id}-{index}" if index else field.auto_id})
    input_type = getattr(field.field.widget, "input_type", "text")
    return render_to_string(f"components/field_{kind}.html", {
        "field": field, "options": options, "label_size": label_size, "classes": classes,
        "small": small, "input_type": input_type,
        "value": "" if value is None else value,
        "error": " ".join(str(error) for error in field.errors) if field.errors else "",
        "field_id": field.auto_id,
        "describedby": " ".join(filter(None, [
            f"{field.auto_id}-hint" if field.help_text else "",
            f"{field.auto_id}-error" if field.errors else ""])),
    })


@register.simple_tag
def govuk_error_summary(*forms_: forms.Form) -> SafeString:
    """The error summary that links to each field in error (nothing when there are none)."""
    errors: list[dict[str, Any]] = []
    for form in forms_:
        if form is None or not form.is_bound:
            continue
        for name, messages in form.errors.items():
            target = f"#{form[name].auto_id}" if name in form.fields else "#main-content"
            errors.extend({"href": target, "text": m} for m in messages)
    if not errors:
        return mark_safe("")  # noqa: S308 - empty string
    return render_to_string("components/error_summary.html", {"errors": errors})


@register.simple_tag
def query_string(request: HttpRequest, **changes: Any) -> str:
    """The current query string with ``changes`` applied (None removes a key); keeps every
    filter, so sorting and paging never lose the user's search."""
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    encoded = urlencode(sorted((k, v) for k in params for v in params.getlist(k)))
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def sort_header(request: HttpRequest, key: str, label: str, current: str,
                numeric: bool = False) -> SafeString:
    """A table header that sorts on the server by ``key`` (``-key`` descending), with aria-sort."""
    ascending, descending = key, f"-{key}"
    if current == ascending:
        state, next_sort = "ascending", descending
    elif current == descending:
        state, next_sort = "descending", ascending
    else:
        state, next_sort = "none", ascending
    return render_to_string("components/sort_header.html", {
        "href": query_string(request, sort=next_sort, page=None), "label": label,
        "state": state, "numeric": numeric,
    })


@register.inclusion_tag("components/pagination.html", takes_context=True)
def govuk_pagination(context: dict[str, Any], page: Any) -> dict[str, Any]:
    """GOV.UK pagination with the first, last and nearby pages, keeping the filters."""
    request = context["request"]
    if page is None or page.paginator.num_pages <= 1:
        return {"show": False}
    current, last = page.number, page.paginator.num_pages
    numbers: list[int | None] = []
    for n in range(1, last + 1):
        if n in (1, last) or abs(n - current) <= 1:
            numbers.append(n)
        elif numbers and numbers[-1] is not None:
            numbers.append(None)  # an ellipsis
    items = [{"number": n, "href": query_string(request, page=n), "current": n == current}
             if n else {"ellipsis": True} for n in numbers]
    return {
        "show": True, "items": items,
        "previous": query_string(request, page=current - 1) if page.has_previous() else "",
        "next": query_string(request, page=current + 1) if page.has_next() else "",
    }


@register.filter
def govuk_date(value: Any) -> str:
    """Dates as GOV.UK writes them: 1 April 2013 (``core.display.govuk_date``, so pages, emails
    and messages spell a date the same way)."""
    if not value:
        return ""
    return display.govuk_date(value)


@register.simple_tag
def breadcrumbs(*pairs: Any) -> SafeString:
    """The GOV.UK breadcrumbs of a page, the one way every page draws them: Home, then each
    (label, url) pair given, ending at the page's parent (GOV.UK leaves out the current page).

    A url that does not start with "/" is a URL name without arguments (``"monitoring:home"``);
    pages reverse the others with ``{% url ... as name %}`` first. A pair whose label is empty
    is left out, so a level that does not apply needs no second spelling of the trail."""
    if len(pairs) % 2:
        raise template.TemplateSyntaxError("breadcrumbs takes label, url pairs")
    crumbs = [("Home", navigation.fixed_url("home"))]
    for label, url in zip(pairs[::2], pairs[1::2], strict=True):
        if not label:
            continue
        crumbs.append((str(label),
                       str(url) if str(url).startswith("/") else navigation.fixed_url(str(url))))
    # Built here rather than by a template: every signed-in page draws it, and rendering a
    # tiny template costs more than the links themselves.
    items = "".join(format_html(_CRUMB, url, label) for label, url in crumbs)
    return mark_safe(f"{_CRUMBS_START}{items}{_CRUMBS_END}")  # noqa: S308 - parts escaped


_CRUMBS_START = ('\n<nav class="govuk-breadcrumbs" aria-label="Breadcrumb">\n'
                 '  <ol class="govuk-breadcrumbs__list">\n    ')
_CRUMB = ('<li class="govuk-breadcrumbs__list-item"><a class="govuk-breadcrumbs__link" '
          'href="{}">{}</a></li>\n    ')
_CRUMBS_END = "\n  </ol>\n</nav>\n"


@register.filter
def money(value: Any) -> str:
    """Money as people write it: £120,000, or £120,000.50 where there are pence
    (``core.display.money``, so pages, emails and the admin agree)."""
    return display.money(value)


@register.simple_tag
def service_navigation(section: object = "") -> SafeString:
    """The service navigation's items, ``section`` marked current (``core.navigation``)."""
    return navigation.service_navigation(section)


@register.simple_tag
def fixed_url(name: str) -> str:
    """``{% url name %}`` for a URL name without arguments, reversed once (``core.navigation``)."""
    return navigation.fixed_url(name)
