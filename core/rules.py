"""Who may do what: the predicates every app's ``rules.py`` builds on, knowing the user only
through ``AUTH_USER_MODEL``'s attributes (so the lowest layers can use them too).

Each app keeps its own permissions in its ``rules.py`` (autodiscovered by ``rules``), beside the
querysets (``visible_to(user)``, ``managed_by(user)``) that say the same in SQL: predicates
cannot filter a list. Admin, pages and API all ask ``user.has_perm(perm, obj)``.
"""

from __future__ import annotations

from typing import Any

import rules

from core.querysets import is_signed_in


@rules.predicate
def is_active_user(user: Any) -> bool:
    return is_signed_in(user)


@rules.predicate
def is_platform_admin(user: Any) -> bool:
    return bool(is_active_user(user) and user.is_platform_admin)


rules.add_perm("core.view_auditevent", is_platform_admin)
