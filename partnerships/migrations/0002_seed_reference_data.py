from django.db import migrations


def seed(apps, schema_editor):
    from partnerships.seeds import REGIONS, STANDARD_ACTIVITIES

    Region = apps.get_model("partnerships", "Region")
    Activity = apps.get_model("partnerships", "Activity")
    for position, (code, name) in enumerate(REGIONS):
        Region.objects.update_or_create(code=code, defaults={"name": name, "position": position})
    for position, (slug, name, description) in enumerate(STANDARD_ACTIVITIES):
        Activity.objects.update_or_create(
            slug=slug, partnership=None,
            defaults={"name": name, "description": description, "is_standard": True,
                      "position": position},
        )


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
