from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from core.authentication import clear_current_api_token

        # Each request starts and ends with no API token recorded (see core.authentication).
        request_started.connect(clear_current_api_token,
                                dispatch_uid="accounts.clear_api_token.started")
        request_finished.connect(clear_current_api_token,
                                 dispatch_uid="accounts.clear_api_token.finished")
