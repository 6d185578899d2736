"""Shared building blocks: the domain error, the timestamped base model, the audit trail."""
