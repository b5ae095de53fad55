"""The four municipalities of the MHLW deck (../shared/seed), as demo data. People are fictional."""

from dataclasses import dataclass
from datetime import date

from tsunagu.tenancy.codes import OrganizationKind as K


@dataclass(frozen=True)
class DemoOrganization:
    name: str
    kind: str
    is_contractor: bool = False


@dataclass(frozen=True)
class DemoMunicipality:
    slug: str
    code: str
    name: str
    prefecture: str
    population: int
    population_as_of: date
    organizations: tuple[DemoOrganization, ...]
    # Which organization each role's demo account works for (the city desk by default).
    role_organization: dict[str, str]


MUNICIPALITIES: tuple[DemoMunicipality, ...] = (
    DemoMunicipality(
        slug="toyoake",
        code="232297",
        name="豊明市",
        prefecture="愛知県",
        population=68691,
        population_as_of=date(2018, 10, 1),
        organizations=(
            DemoOrganization("豊明市 健康福祉部 社会福祉課", K.CITY_DEPARTMENT),
            DemoOrganization("豊明市社会福祉協議会", K.WELFARE_COUNCIL, is_contractor=True),
            DemoOrganization("豊明こころのクリニック（派遣元医療機関）", K.MEDICAL),
            DemoOrganization("愛知県衣浦東部保健所", K.HEALTH_CENTER),
            DemoOrganization("ハローワーク刈谷", K.HELLO_WORK),
            DemoOrganization("豊明市地域包括支援センター", K.COMMUNITY_CARE),
            DemoOrganization("あいち若者サポートステーション", K.SUPPORT_STATION),
            DemoOrganization("愛知県ひきこもり地域支援センター", K.PREFECTURE_CENTER),
        ),
        role_organization={
            "admin": "豊明市 健康福祉部 社会福祉課",
            "committee": "豊明市 健康福祉部 社会福祉課",
            "professional": "豊明こころのクリニック（派遣元医療機関）",
            "partner": "愛知県衣浦東部保健所",
        },
    ),
    DemoMunicipality(
        slug="soja",
        code="332089",
        name="総社市",
        prefecture="岡山県",
        population=69052,
        population_as_of=date(2019, 4, 30),
        organizations=(
            DemoOrganization("総社市 保健福祉部 健康医療課", K.CITY_DEPARTMENT),
            DemoOrganization(
                "総社市社会福祉協議会（ひきこもり支援センター「ワンタッチ」）",
                K.WELFARE_COUNCIL,
                is_contractor=True,
            ),
            DemoOrganization("総社市生活困窮支援センター", K.LIVELIHOOD),
            DemoOrganization("総社市障がい者基幹相談支援センター", K.DISABILITY),
            DemoOrganization("総社市地域包括支援センター", K.COMMUNITY_CARE),
            DemoOrganization("岡山県備中保健所", K.HEALTH_CENTER),
            DemoOrganization("ハローワーク総社", K.HELLO_WORK),
            DemoOrganization("総社市医師会", K.MEDICAL),
        ),
        role_organization={
            "admin": "総社市 保健福祉部 健康医療課",
            "committee": "総社市 保健福祉部 健康医療課",
            "professional": "総社市医師会",
            "partner": "総社市地域包括支援センター",
        },
    ),
    DemoMunicipality(
        slug="ube",
        code="352021",
        name="宇部市",
        prefecture="山口県",
        population=165584,
        population_as_of=date(2018, 10, 1),
        organizations=(
            DemoOrganization("宇部市基幹相談支援センター", K.CITY_DEPARTMENT),
            DemoOrganization("NPO法人ふらっとコミュニティ", K.NPO, is_contractor=True),
            DemoOrganization("宇部市こころの医療センター（スーパーバイズ）", K.MEDICAL),
            DemoOrganization("山口県宇部環境保健所", K.HEALTH_CENTER),
            DemoOrganization("ハローワーク宇部", K.HELLO_WORK),
            DemoOrganization("山口県ひきこもり地域支援センター", K.PREFECTURE_CENTER),
        ),
        role_organization={
            "admin": "宇部市基幹相談支援センター",
            "committee": "宇部市基幹相談支援センター",
            "professional": "宇部市こころの医療センター（スーパーバイズ）",
            "partner": "ハローワーク宇部",
        },
    ),
    DemoMunicipality(
        slug="miyoshi",
        code="362085",
        name="三好市",
        prefecture="徳島県",
        population=26396,
        population_as_of=date(2018, 10, 1),
        organizations=(
            DemoOrganization("三好市 福祉事務所", K.CITY_DEPARTMENT),
            DemoOrganization("社会福祉法人三好やまなみ会", K.WELFARE_COUNCIL, is_contractor=True),
            DemoOrganization("NPO法人みよしサポート協会ぴあぞら", K.NPO, is_contractor=True),
            DemoOrganization("徳島県三好保健所", K.HEALTH_CENTER),
            DemoOrganization("ハローワーク三好", K.HELLO_WORK),
            DemoOrganization("徳島県警察 三好警察署", K.POLICE),
            DemoOrganization("三好市立池田中学校", K.SCHOOL),
            DemoOrganization("みよし地域若者サポートステーション", K.SUPPORT_STATION),
            DemoOrganization("三好病院", K.MEDICAL),
        ),
        role_organization={
            "admin": "三好市 福祉事務所",
            "committee": "三好市 福祉事務所",
            "supporter": "NPO法人みよしサポート協会ぴあぞら",
            "place_staff": "NPO法人みよしサポート協会ぴあぞら",
            "professional": "三好病院",
            "partner": "徳島県三好保健所",
        },
    ),
)

# Display names of the demo accounts (fictional people).
ROLE_DISPLAY_NAMES = {
    "admin": "市担当 {city}",
    "lead": "センター長 {city}",
    "counselor": "相談員 {city}",
    "professional": "派遣専門職 {city}",
    "place_staff": "居場所スタッフ {city}",
    "supporter": "サポーター {city}",
    "partner": "関係機関 {city}",
    "committee": "検討委員 {city}",
}
