from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    verbose_name = "Partnerships"

    def ready(self) -> None:
        # Hooks into the apps below, which cannot import this one.
        from notifications.calendar import register_source

        from .calendar import review_events

        register_source(review_events)
