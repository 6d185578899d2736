"""Readable, unique slugs for URLs (names of organisations and partnerships, never people)."""

from django.db import models
from django.utils.text import slugify

# Slugs that would be shadowed by fixed URLs beside them (e.g. /partnerships/compare/).
RESERVED_SLUGS = frozenset({"compare", "export", "new", "search"})


def unique_slug(model: type[models.Model], text: str, *, field: str = "slug",
                max_length: int = 200) -> str:
    """``slugify(text)``, with -2, -3... appended when the slug is taken or reserved."""
    base = (slugify(text) or "item")[:max_length]
    slug, n = base, 1
    while slug in RESERVED_SLUGS or model._default_manager.filter(**{field: slug}).exists():
        n += 1
        suffix = f"-{n}"
        slug = f"{base[: max_length - len(suffix)]}{suffix}"
    return slug
