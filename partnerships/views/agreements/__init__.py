"""Pages where a partnership's managers keep its agreements up to date: record a new agreement
(a draft), start a new version of the one in effect, record signatures, add or withdraw a party,
put a version into effect, discard a draft, record a review and end an agreement.

Every page is reached from the partnership page's agreements panel and returns there with a
notification banner. As on the review pages: a partnership or agreement the user may not read
is not found (404); a page the user may read but not use answers 403 with the reason (also
when the version is not in a state the page applies to). A partnership manager of a member
organisation (not the lead) may only record their own organisation's signature.

Changes that others see at once (put into effect, end, withdraw a party, discard) have a
check-your-answers step: the form posts to itself; a valid first post shows the answers with
"Change" links and a confirm button that posts them again (hidden) with ``confirm``; only that
second post calls the action. ``partnerships.actions`` does the writing and checks everything
again; its refusal lands on the field it names, with everything typed kept.

``flow`` holds what every page shares (finding, refusing, the journey); ``pages`` the views.
"""

from __future__ import annotations

from django.urls import path

from .pages import (
    agreement_create,
    agreement_discard,
    agreement_end,
    agreement_new_version,
    agreement_party_add,
    agreement_party_withdraw,
    agreement_put_into_effect,
    agreement_review,
    agreement_sign,
)

_ONE = "partnerships/<slug:slug>/agreements/<int:pk>/"

urlpatterns = [
    path("partnerships/<slug:slug>/agreements/new/", agreement_create,
         name="agreement-create"),
    path(f"{_ONE}new-version/", agreement_new_version, name="agreement-new-version"),
    path(f"{_ONE}sign/", agreement_sign, name="agreement-sign"),
    path(f"{_ONE}parties/add/", agreement_party_add, name="agreement-party-add"),
    path(f"{_ONE}parties/<int:organisation_pk>/withdraw/", agreement_party_withdraw,
         name="agreement-party-withdraw"),
    path(f"{_ONE}put-into-effect/", agreement_put_into_effect,
         name="agreement-put-into-effect"),
    path(f"{_ONE}discard/", agreement_discard, name="agreement-discard"),
    path(f"{_ONE}review/", agreement_review, name="agreement-review"),
    path(f"{_ONE}end/", agreement_end, name="agreement-end"),
]
