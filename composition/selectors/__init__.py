"""Read logic of the pages that combine apps: one selector per page (``detail``: the partnership
page; ``organisation``; ``compare``), each owning its queries, built on the panels that
``partnerships.selectors`` keeps (timeline, agreements, funding)."""
