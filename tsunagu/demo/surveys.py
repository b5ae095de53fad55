"""The demo's needs surveys: 総社市's round of 2016-01 over its 17 districts, totalling 207 (the
deck's figure), and a later round to compare with."""

from datetime import date

from tsunagu.demo.data import DemoMunicipality
from tsunagu.surveys import services
from tsunagu.surveys.models import District
from tsunagu.tenancy.models import Membership, Municipality

# 総社市's 17 districts, with the people counted in January 2016 (total 207) and in a later
# round (October 2021). Counts are the demo's; the total of the first is the deck's.
SOJA_DISTRICTS: tuple[tuple[str, int, int], ...] = (
    ("総社", 24, 26), ("常盤", 15, 14), ("中央", 22, 25), ("東", 16, 15), ("西", 13, 16),
    ("阿曽", 9, 8), ("服部", 10, 12), ("山手", 12, 11), ("清音", 11, 13), ("神在", 8, 8),
    ("池田", 7, 9), ("新本", 6, 5), ("久代", 9, 8), ("山田", 7, 7), ("秦", 10, 11),
    ("三須", 13, 14), ("昭和", 15, 13),
)  # fmt: skip
AGE_SHARE = (("under_20", 0.15), ("20_39", 0.35), ("40_64", 0.4), ("65_plus", 0.1))


def _by_band(total: int, n: int) -> dict[str, dict[str, int]]:
    """A plausible split of a district's count by age band and gender (about 7 men in 10)."""
    counts: dict[str, dict[str, int]] = {}
    left = total
    for i, (band, share) in enumerate(AGE_SHARE):
        people = left if i == len(AGE_SHARE) - 1 else min(left, round(total * share))
        left -= people
        men = round(people * (0.7 if (n + i) % 2 else 0.65))
        counts[band] = {"male": men, "female": people - men}
    return counts


def surveys_load(demo: DemoMunicipality, municipality: Municipality) -> bool:
    """Load 総社市's districts and two rounds once (other cities have no survey in the deck)."""
    if demo.slug != "soja" or District.objects.filter(municipality=municipality).exists():
        return False
    lead = Membership.objects.get(municipality=municipality, user__username="soja-lead")
    districts = [
        services.district_save(actor=lead, name=name, volunteers="民生委員・福祉委員", order=n)
        for n, (name, _first, _later) in enumerate(SOJA_DISTRICTS, start=1)
    ]
    for round_no, (title, held) in enumerate(
        [
            ("平成28年1月 ひきこもり等実態調査", date(2016, 1, 15)),
            ("令和3年10月 ひきこもり等実態調査", date(2021, 10, 15)),
        ],
        start=1,
    ):
        survey = services.survey_create(actor=lead, name=title, conducted_on=held)
        answers = {a.district_id: a for a in survey.answers.all()}
        for n, (district, row) in enumerate(zip(districts, SOJA_DISTRICTS, strict=True)):
            total = row[1] if round_no == 1 else row[2]
            services.answer_record(
                actor=lead,
                answer=answers[district.pk],
                counts=_by_band(total, n),
                known_to_center=total // 4,
                answered_on=date(held.year, held.month, 28),
            )
    return True
