"""The demo registry (all five partnership shapes) and its loader. Depends on every app;
nothing depends on it."""
