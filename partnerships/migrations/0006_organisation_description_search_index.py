"""Full-text index on organisations' descriptions, for the registry search's organisations
(issue 16; PostgreSQL only). The expression must stay identical to the one
composition.search.kinds.search_organisations filters on, or the index is not used."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations


def _index():
    return GinIndex(SearchVector("description", config="english"),
                    name="organisation_description_search_idx")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(_index().create_sql(apps.get_model("partnerships", "Organisation"),
                                              schema_editor))


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(_index().remove_sql(apps.get_model("partnerships", "Organisation"),
                                              schema_editor))


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0005_agreement_lifecycle")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
