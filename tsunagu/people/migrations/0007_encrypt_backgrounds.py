"""A person's background codes (school refusal, illness...) are 要配慮: encrypted, existing rows too.

The change history masks every encrypted field, so it records no background code from now on;
the codes it recorded in clear before are masked here too (not undone on reverse: the history
keeps no value it could put back).
"""

import encrypted_fields.fields
from django.conf import settings
from django.db import migrations

from tsunagu.audit.history import masking_recorded
from tsunagu.core.crypto import encrypt_existing


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0006_merge_0003_person_merge_0005_search_per_municipality"),
        migrations.swappable_dependency(settings.AUDITLOG_LOGENTRY_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterField(
            model_name="person",
            name="backgrounds",
            field=encrypted_fields.fields.EncryptedJSONField(
                blank=True, default=list, verbose_name="background"
            ),
        ),
        migrations.RunPython(*encrypt_existing("people", "Person", "backgrounds")),
        migrations.RunPython(
            masking_recorded("people", "person", "backgrounds"), migrations.RunPython.noop
        ),
    ]
