"""Meeting titles are free text that may name a person: encrypted, existing rows too."""

import django.core.validators
import encrypted_fields.fields
from django.db import migrations

from tsunagu.core.crypto import encrypt_existing


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0007_unique_within_municipality"),
    ]

    operations = [
        migrations.AlterField(
            model_name="meeting",
            name="title",
            field=encrypted_fields.fields.EncryptedTextField(
                max_length=100,
                null=True,
                validators=[django.core.validators.MaxLengthValidator(100)],
                verbose_name="title",
            ),
        ),
        migrations.AlterField(
            model_name="supportmeeting",
            name="title",
            field=encrypted_fields.fields.EncryptedTextField(
                max_length=100,
                null=True,
                validators=[django.core.validators.MaxLengthValidator(100)],
                verbose_name="title",
            ),
        ),
        migrations.RunPython(*encrypt_existing("network", "Meeting", "title")),
        migrations.RunPython(*encrypt_existing("network", "SupportMeeting", "title")),
    ]
