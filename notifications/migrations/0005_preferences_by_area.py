"""Settings by area (issue 15): the old settings page saved a row for every kind whenever it was
saved, most of them just the default (email each one, no digest). Under the new resolution (the
kind's own row, else its area's, else the default) such a row would be an override that stops the
area's choice from applying, so those rows are removed. Nothing changes for anyone: no area rows
exist yet, so a removed row resolves to the same default it stored. Rows that differ from the
default (no email, or a digest) stay, as the per-kind choices people made."""

from django.db import migrations


def remove_default_rows(apps, schema_editor):
    preference = apps.get_model("notifications", "NotificationPreference")
    preference.objects.filter(email=True, digest=False).exclude(
        kind__startswith="area:").delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_created_on_set_by_caller")]

    operations = [migrations.RunPython(remove_default_rows, migrations.RunPython.noop)]
