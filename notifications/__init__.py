"""In-app notifications and their email delivery: each reminder is one row, created once per key."""
