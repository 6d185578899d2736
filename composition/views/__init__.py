"""Views of the pages that combine apps: search, the partnership and organisation pages, compare."""
