"""Values every page template needs."""

from django.http import HttpRequest

# (section key, label, URL name): the service navigation, in the users' words.
NAV_ITEMS = [
    ("search", "Search the registry", "home"),
    ("directory", "Service directory", "services:directory"),
    ("compare", "Compare", "partnerships:compare"),  # short: seven items fit one row at 1280 px
    ("monitoring", "Monitoring", "monitoring:home"),
    ("casework", "Casework", "referrals:caseload"),
]


def navigation(request: HttpRequest) -> dict[str, object]:
    return {"nav_items": NAV_ITEMS}
