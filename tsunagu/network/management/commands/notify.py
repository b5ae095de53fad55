"""`tsunagu notify`: queue the daily sweep (meeting series extended, action items due, meetings
tomorrow).

Run it from cron (e.g. every morning); the worker makes the notices and sends their mail.
A notice is given once, so running it twice a day does no harm.
"""

from typing import Any

from django.core.management.base import BaseCommand

from tsunagu.network.tasks import notification_sweep


class Command(BaseCommand):
    help = "Queue the daily sweep: meeting series ahead, action items due, meetings tomorrow."

    def handle(self, *args: Any, **options: Any) -> None:
        result = notification_sweep.enqueue()
        self.stdout.write(f"queued {result.id}")
