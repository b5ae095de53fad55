"""Demo texts of each city's public page (/p/<code>/). Fictional contact details: the phone
numbers are 0120-000-xxx and the mail addresses are under example.jp."""

from datetime import date, time, timedelta

from tsunagu.places.models import Place
from tsunagu.programmes import services as programme_services
from tsunagu.programmes.models import Programme
from tsunagu.public.models import PublicPage
from tsunagu.tenancy.models import Municipality

# An upcoming family gathering per city, open for sign-up on the public page.
GATHERING = "家族のつどい"

PAGES = {
    "toyoake": {
        "center_name": "豊明市 ひきこもり相談窓口（デモ）",
        "introduction": "ひきこもりの状態にある方とご家族の相談をお受けしています。\n"
        "相談は無料です。匿名でもかまいません。",
        "hours": "平日 8:30〜17:15（祝日・年末年始を除く）",
        "phone": "0120-000-001",
        "email": "soudan-toyoake@example.jp",
        "address": "豊明市役所 福祉課（デモの住所）",
        "access": "市役所1階の福祉課窓口でお声がけください。",
    },
    "soja": {
        "center_name": "総社市ひきこもり支援センター「ワンタッチ」（デモ）",
        "introduction": "ご本人やご家族からの相談、居場所づくり、就労に向けた支援を行っています。",
        "hours": "平日 8:30〜17:15",
        "phone": "0120-000-002",
        "email": "one-touch@example.jp",
        "address": "総社市 社会福祉協議会内（デモの住所）",
    },
    "ube": {
        "center_name": "宇部市 ひきこもり相談（デモ）",
        "introduction": "家族心理教育や家族会など、ご家族向けのプログラムも行っています。",
        "hours": "平日 9:00〜17:00",
        "phone": "0120-000-003",
        "email": "soudan-ube@example.jp",
    },
    "miyoshi": {
        "center_name": "三好市 ひきこもり相談（デモ）",
        "introduction": "居場所「すりーぴぃ」などで、安心して過ごせる場をご用意しています。",
        "hours": "平日 8:30〜17:15",
        "phone": "0120-000-004",
        "email": "soudan-miyoshi@example.jp",
    },
}


def public_page_load(slug: str, municipality: Municipality, *, today: date) -> None:
    texts = PAGES.get(slug)
    if texts is not None:
        PublicPage.objects.update_or_create(municipality=municipality, defaults=texts)
    if Programme.objects.filter(municipality=municipality, name=GATHERING).exists():
        return
    place = Place.objects.filter(municipality=municipality, public=True).order_by("pk").first()
    programme_services.programme_create(
        actor=None,
        municipality_id=municipality.pk,
        name=GATHERING,
        kind="family_group",
        capacity=12,
        public=True,
        place=place,
        description="ご家族どうしで話し、聞き合う会です。初めての方も歓迎します。",
        meetings=[
            programme_services.MeetingIn(today + timedelta(days=days), time(14), time(16))
            for days in (10, 38)
        ],
    )
