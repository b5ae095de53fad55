"""URL map: staff screens under /m/<code>/ (namespace "staff"), the API under /api/v1/."""

from django.urls import include, path

from tsunagu.accounts import views as account_views
from tsunagu.api.api import api
from tsunagu.places import views as place_views

# Every app's staff screens; the scope middleware runs all of them inside the municipality.
staff_patterns = [
    path("", include("tsunagu.home.urls")),
    path("", include("tsunagu.tenancy.urls")),
    path("persons/", include("tsunagu.people.urls")),
    path("cases/", include("tsunagu.cases.urls")),
    path("consultations/", include("tsunagu.consultations.urls")),
    path("statistics/", include("tsunagu.reports.urls")),
    path("audit/", include("tsunagu.audit.urls")),
    path("accounts/", include("tsunagu.accounts.staff_urls")),
    path("meetings/", include("tsunagu.network.urls")),
    path("admin/retention/", include("tsunagu.retention.urls")),
    path("referrals/", include("tsunagu.network.referral_urls")),
    path("partners/", include("tsunagu.network.partner_urls")),
    path("places/", include("tsunagu.places.urls")),
    path("programmes/", include("tsunagu.programmes.urls")),
    path("supporters/", include("tsunagu.supporters.urls")),
    path("surveys/", include("tsunagu.surveys.urls")),
    path("", include("tsunagu.public.staff_urls")),
    path("exports/", include("tsunagu.reports.export_urls")),
]

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("tsunagu.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("m/<str:code>/", include((staff_patterns, "staff"))),
    # Public calendars (no login, no personal data).
    path("p/<str:code>/places/<int:pk>.ics", place_views.place_ics, name="place_ics"),
    path("feeds/<str:token>.ics", place_views.own_calendar, name="own_calendar"),
    # Public pages of a municipality (no login, no personal data; tsunagu/public).
    path("p/<str:code>/", include("tsunagu.public.urls")),
]

# A database that is away (restarting, unreachable) answers 503 with a page saying so.
handler500 = "tsunagu.core.errors.handler500"
