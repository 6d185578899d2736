from django.apps import AppConfig


class CompositionConfig(AppConfig):
    name = "composition"
    verbose_name = "Pages and figures combining apps"

    def ready(self) -> None:
        # Hooks into the apps below, which cannot import this one: the continuity-of-care
        # figures (referrals) offered to monitoring returns as figures filled in from casework.
        from .continuity_metrics import register_continuity_metrics

        register_continuity_metrics()
