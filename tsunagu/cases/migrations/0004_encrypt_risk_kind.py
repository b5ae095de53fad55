"""A risk flag's kind (suicidal ideation, violence...) is 要配慮: encrypted, existing rows too."""

import encrypted_fields.fields
from django.db import migrations

from tsunagu.core.crypto import encrypt_existing


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_case_version"),
    ]

    operations = [
        migrations.AlterField(
            model_name="riskflag",
            name="kind",
            field=encrypted_fields.fields.EncryptedTextField(
                choices=[
                    ("suicidal_ideation", "Suicidal ideation"),
                    ("violence", "Violence"),
                    ("self_neglect", "Self-neglect"),
                    ("family_crisis", "Family crisis"),
                ],
                null=True,
                verbose_name="risk",
            ),
        ),
        migrations.RunPython(*encrypt_existing("cases", "RiskFlag", "kind")),
    ]
