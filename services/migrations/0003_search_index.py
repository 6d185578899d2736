"""Full-text index for the registry search's match on services (PostgreSQL only). The expression
must stay identical to composition.search.service_search_vector() for the index to be used."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations


def _index():
    return GinIndex(SearchVector("name", weight="A", config="english")
                    + SearchVector("description", weight="B", config="english"),
                    name="service_search_idx")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(_index().create_sql(apps.get_model("services", "Service"), schema_editor))


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(_index().remove_sql(apps.get_model("services", "Service"), schema_editor))


class Migration(migrations.Migration):
    dependencies = [("services", "0002_seed_categories")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
