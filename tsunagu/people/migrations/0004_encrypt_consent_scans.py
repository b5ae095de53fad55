"""Consent scans stored in clear before scans were encrypted are encrypted in place."""

from django.db import migrations


def encrypt_scans(apps, schema_editor):
    from tsunagu.people.scans import scans_encrypt

    Consent = apps.get_model("people", "Consent")
    manager = Consent._base_manager
    scans_encrypt(manager.exclude(document="").iterator(), manager)


class Migration(migrations.Migration):
    dependencies = [("people", "0003_person_number_counter")]

    operations = [migrations.RunPython(encrypt_scans, migrations.RunPython.noop)]
