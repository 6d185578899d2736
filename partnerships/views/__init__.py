"""Pages of the partnerships app, one module per page family."""
