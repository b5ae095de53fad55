"""Background jobs of the public side: telling one on a waiting list that they moved up.

The mail goes by the municipality's mail server through the network's `deliver`; a server
that is down leaves the sign-up's mail pending and the job retries later.
"""

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from django_tasks import task

from tsunagu.core.eras import format_wareki
from tsunagu.network.models import MailState
from tsunagu.network.notifications import enqueue_with_retry
from tsunagu.network.tasks import deliver_pending, mail_server_for
from tsunagu.places.models import Session
from tsunagu.public.models import EventSignup


def enqueue_moved_up_mail(signup_id: int, *, attempt: int = 0) -> None:
    enqueue_with_retry(send_moved_up_mail, attempt, signup_id=signup_id)


@task()
def send_moved_up_mail(*, signup_id: int) -> None:
    """ "A place came free: you are signed up", with the event, its dates and the number."""
    with scopes_disabled():
        signup = (
            EventSignup.objects.filter(pk=signup_id, mail_state=MailState.PENDING)
            .select_related("enrolment__programme")
            .first()
        )
        if signup is None:  # sent already, or gone
            return
        server = mail_server_for(signup)
        if server is None:
            return
        programme = signup.enrolment.programme
        dates = Session.objects.filter(
            municipality_id=signup.municipality_id,
            programme_meeting__programme=programme,
            date__gte=timezone.localdate(),
        ).order_by("date", "start")
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("A place came free: %(event)s") % {"event": programme.name}
            body = "\n\n".join(
                [
                    _(
                        "A place came free and you are now signed up for %(event)s"
                        " (you were on the waiting list)."
                    )
                    % {"event": programme.name},
                    "\n".join(
                        f"{format_wareki(s.date)} {s.start:%H:%M}–{s.end:%H:%M}" for s in dates
                    ),
                    _("Your confirmation number is %(receipt)s.") % {"receipt": signup.receipt},
                    _("If you cannot come, please cancel with the link you were given."),
                ]
            )
        deliver_pending(
            server,
            signup,
            to=signup.enrolment.contact,
            subject=subject,
            body=body,
            retry=lambda pk, attempt: enqueue_moved_up_mail(pk, attempt=attempt),
        )
