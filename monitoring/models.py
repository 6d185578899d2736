"""Models arrive with their own issue; the app exists now so the layout is complete."""
