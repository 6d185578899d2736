"""The composition layer: pages that combine apps, above every app they draw on.

The registry's search (partnerships ranked with their services), the partnership page (its
members, agreements and money from ``partnerships``, its services and locations from
``services``, its monitoring panel from ``monitoring``), the organisation page and the compare
page each read several apps, so they live here rather than in ``partnerships``, which must not
import the apps built on it (docs/decisions/0016-one-way-layers.md). ``composition.urls`` keeps the
``partnerships`` URL namespace, so every address and URL name is as it was.
"""
