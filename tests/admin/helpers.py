"""Build admin POST data from a rendered add/change page, as a browser would submit it."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.forms import CheckboxInput, FileField, ModelMultipleChoiceField, MultipleChoiceField


def _value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    return value


def _form_data(form: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for bound in form:
        value = bound.value()
        if isinstance(bound.field.widget, CheckboxInput):
            if value:
                data[bound.html_name] = "on"
            continue
        if isinstance(bound.field, MultipleChoiceField | ModelMultipleChoiceField):
            data[bound.html_name] = _value(list(value or []))
            continue
        if isinstance(value, FieldFile) or isinstance(bound.field, FileField):
            continue  # files: leave as they are
        data[bound.html_name] = _value(value)
    return data


def admin_form_data(response: Any) -> dict[str, Any]:
    """The main form and every inline formset (with management forms) as POST data."""
    ctx = response.context
    data = _form_data(ctx["adminform"].form)
    for inline in ctx["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_data(formset.management_form))
        for form in formset.forms:
            data.update(_form_data(form))
    return data


def add_inline_row(data: dict[str, Any], prefix: str, **fields: Any) -> dict[str, Any]:
    """Append one new row to the inline formset ``prefix`` (e.g. 'memberships')."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    for name, value in fields.items():
        data[f"{prefix}-{index}-{name}"] = _value(value)
    data[f"{prefix}-TOTAL_FORMS"] = index + 1
    return data


def inline_prefix(response: Any, model: type[Model]) -> str:
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.model is model:
            return inline.formset.prefix
    raise LookupError(f"No inline for {model.__name__}")
