"""Forms of the partnership managers' pages, one module per subject (members, agreements)."""
