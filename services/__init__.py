"""The service directory: services, a category taxonomy, locations, and co-location."""
