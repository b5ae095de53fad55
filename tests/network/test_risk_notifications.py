"""A risk flag on a case tells the staff assigned to it (never the one who raised it)."""

import pytest
from django_scopes import scope, scopes_disabled

from tests.conftest import Personas
from tests.network.conftest import World
from tsunagu.cases import services as case_services
from tsunagu.network.models import Notification, NotificationKind


def test_a_risk_flag_on_my_case_rings_my_bell(personas: Personas, world: World) -> None:
    lead, counselor = personas.members["lead"], personas.members["counselor"]
    with scope(municipality=personas.municipality):
        case_services.risk_raise(actor=lead, case=world.case, kind="violence", detail="父が暴力")
    with scopes_disabled():
        [notice] = Notification.objects.filter(recipient=counselor)
        assert not Notification.objects.filter(recipient=lead).exists()
    assert notice.kind == NotificationKind.RISK_FLAG
    assert notice.link == personas.url(f"cases/{world.case.pk}/")
    assert "暴力" not in f"{notice.link} {notice.key}"
    html = personas.client("counselor").get(personas.url("")).content.decode()
    assert 'id="notification-unread">1' in html


def test_the_notify_command_queues_the_sweep_for_the_worker(
    personas: Personas, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from tsunagu.core.jobs import run_queued_jobs
    from tsunagu.network import services

    lead, counselor = personas.members["lead"], personas.members["counselor"]
    today = timezone.localdate()
    with scope(municipality=personas.municipality):
        meeting = services.meeting_create(
            actor=lead, kind="huddle", title="打ち合わせ", held_on=today - timedelta(days=3)
        )
        services.action_item_add(
            actor=lead, meeting=meeting, what="電話する", owner=counselor, due_on=today
        )
    call_command("notify")
    assert "queued" in capsys.readouterr().out
    with scopes_disabled():
        assert not Notification.objects.exists()  # the command only queues
    run_queued_jobs()
    with scopes_disabled():
        assert Notification.objects.get().kind == NotificationKind.ACTION_DUE
