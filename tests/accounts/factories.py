"""Factories for users: one subclass per role."""

import factory
from factory.django import DjangoModelFactory

from accounts.models import Role, User
from partnerships.choices import OrganisationKind
from tests.partnerships.factories import OrganisationFactory

PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.PROVIDER_STAFF
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()


class ProviderStaffFactory(UserFactory):
    role = Role.PROVIDER_STAFF


class PartnershipManagerFactory(UserFactory):
    role = Role.PARTNERSHIP_MANAGER
    is_staff = True


class CommissionerFactory(UserFactory):
    role = Role.COMMISSIONER
    organisation = factory.SubFactory(OrganisationFactory, kind=OrganisationKind.COMMISSIONING_BODY)


class PlatformAdminFactory(UserFactory):
    role = Role.PLATFORM_ADMIN
    organisation = None
    is_staff = True


def api_token_for(user, *, name: str = "Test client", expires_on=None, **fields):
    """An API token row and its key, written directly (no checks, no audit row): for tokens the
    action would refuse to issue now, e.g. one issued before its user was switched off."""
    import datetime

    from django.utils import timezone

    from accounts import tokens
    from accounts.models import ApiToken

    key, prefix = tokens.new_key()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, digest=tokens.hash_key(key),
        expires_on=expires_on or timezone.localdate() + datetime.timedelta(days=90), **fields)
    return token, key
