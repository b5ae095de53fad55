"""A supporter's background (a former client, a family member) is 要配慮: encrypted."""

import encrypted_fields.fields
from django.db import migrations

from tsunagu.core.crypto import encrypt_existing


class Migration(migrations.Migration):
    dependencies = [
        ("supporters", "0003_course_and_meetings"),
    ]

    operations = [
        migrations.AlterField(
            model_name="supporter",
            name="background",
            field=encrypted_fields.fields.EncryptedTextField(
                choices=[
                    ("minsei", "Commissioned welfare volunteer (民生委員)"),
                    ("fukushi_iin", "Welfare committee member (福祉委員)"),
                    ("welfare_worker", "Welfare worker"),
                    ("teacher", "Teacher"),
                    ("government", "Government"),
                    ("resident", "Resident"),
                    ("family", "Family"),
                    ("peer", "Peer (lived experience)"),
                    ("professional", "Professional"),
                    ("student", "Student"),
                    ("volunteer", "Volunteer"),
                ],
                null=True,
                verbose_name="background",
            ),
        ),
        migrations.RunPython(*encrypt_existing("supporters", "Supporter", "background")),
    ]
