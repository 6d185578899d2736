"""The service directory: browsed by every signed-in user, configured by platform admins."""

from __future__ import annotations

import rules

from core.rules import is_active_user, is_platform_admin

for model in ("service", "servicecategory", "location", "serviceatlocation"):
    rules.add_perm(f"services.view_{model}", is_active_user)
    for verb in ("add", "change", "delete"):
        rules.add_perm(f"services.{verb}_{model}", is_platform_admin)
