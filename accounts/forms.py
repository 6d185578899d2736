"""The sign-in forms, with messages written as GOV.UK error messages are."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

from .models import User

#: The username column's length: a longer "username" cannot be anyone's.
USERNAME_MAX_LENGTH: int = User._meta.get_field("username").max_length or 150


def limit_username(form: AuthenticationForm) -> None:
    """Refuse a username longer than any account's before it is checked, throttled or stored.

    Django's form sets ``max_length`` on the field after creating it, so no validator runs and
    any length reached ``authenticate()`` and axes, which writes the attempt to a 255-character
    column (a 500 on PostgreSQL).
    """
    field = form.fields["username"]
    field.max_length = USERNAME_MAX_LENGTH
    field.widget.attrs["maxlength"] = USERNAME_MAX_LENGTH
    field.validators.append(MaxLengthValidator(
        USERNAME_MAX_LENGTH,
        message=f"Username must be {USERNAME_MAX_LENGTH} characters or less"))


class SignInForm(AuthenticationForm):
    """Django's authentication (so axes throttling applies), with plain-English errors."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account has been switched off. Ask your administrator.",
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        limit_username(self)


class AdminSignInForm(AdminAuthenticationForm):
    """The admin's sign-in, with the same bound on the username (config/urls.py installs it)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        limit_username(self)
