from django.db import migrations


def seed(apps, schema_editor):
    from services.seeds import SERVICE_CATEGORIES

    ServiceCategory = apps.get_model("services", "ServiceCategory")
    for position, (slug, name, description) in enumerate(SERVICE_CATEGORIES):
        ServiceCategory.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position})


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
