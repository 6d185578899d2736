from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals and cases"

    def ready(self) -> None:
        # Hooks into the apps below, which cannot import this one.
        from notifications.calendar import register_source

        from .calendar import conference_events

        register_source(conference_events)
