"""The one error type actions raise, so views, API, admin and commands report it the same way."""

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """Bad input to an action: nothing was changed, and the message says why in the user's words.

    It is a ValidationError so that Django forms and the admin show it next to the right field
    (``field``) and the API turns it into a 400 with the same text.
    """

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        self.field = field
        if isinstance(message, ValidationError):  # re-raise a model validation as a domain error
            super().__init__(getattr(message, "error_dict", None) or message.error_list)
            self.text = " ".join(message.messages)
            return
        if field:
            super().__init__({field: [ValidationError(message, code=code)]})
        else:
            super().__init__(message, code=code)
        self.text = message

    def __str__(self) -> str:
        return self.text


def full_clean(instance: object, **kwargs: object) -> None:
    """Run a model's full validation (fields, clean(), constraints) and report a DomainError."""
    try:
        instance.full_clean(**kwargs)  # type: ignore[attr-defined]
    except DomainError:
        raise
    except ValidationError as exc:
        raise DomainError(exc) from exc
