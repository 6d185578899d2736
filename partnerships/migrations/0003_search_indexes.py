"""Full-text search indexes for the registry search (PostgreSQL only; SQLite searches without
them). The expressions are copies of those in composition/search/selector.py: an expression
index is only used when the query's expression is the same, so change both together."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations


def _indexes():
    return [
        ("Partnership", GinIndex(
            SearchVector("name", weight="A", config="english")
            + SearchVector("summary", weight="B", config="english"),
            name="partnership_search_idx")),
        ("Organisation", GinIndex(SearchVector("name", config="english"),
                                  name="organisation_search_idx")),
    ]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index in _indexes():
        schema_editor.execute(index.create_sql(apps.get_model("partnerships", model_name),
                                               schema_editor))


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index in _indexes():
        schema_editor.execute(index.remove_sql(apps.get_model("partnerships", model_name),
                                               schema_editor))


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0002_seed_reference_data")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
