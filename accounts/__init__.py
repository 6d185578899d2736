"""Users, the organisation each belongs to, their roles, and the authorization rules."""
