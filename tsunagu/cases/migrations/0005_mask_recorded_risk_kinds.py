"""The change history recorded risk kinds in clear before 0004 encrypted them: masked here too."""

from django.conf import settings
from django.db import migrations

from tsunagu.audit.history import masking_recorded


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_encrypt_risk_kind"),
        migrations.swappable_dependency(settings.AUDITLOG_LOGENTRY_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(
            masking_recorded("cases", "riskflag", "kind"), migrations.RunPython.noop
        ),
    ]
