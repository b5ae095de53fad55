"""`tsunagu token create|revoke USERNAME --municipality CODE`: print a new API token, or revoke
every token of that membership."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from tsunagu.accounts.models import User
from tsunagu.accounts.services import api_token_create, api_tokens_revoke
from tsunagu.tenancy.models import Membership, Municipality
from tsunagu.tenancy.selectors import membership_for
from tsunagu.tenancy.validators import is_valid_municipality_code

# Ten years: a token meant to outlive that is a token nobody will remember to revoke.
MAX_DAYS = 3650


class Command(BaseCommand):
    help = "Manage API tokens: `token create|revoke USERNAME --municipality CODE`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token bound to one membership.")
        create.add_argument("username")
        create.add_argument("--municipality", required=True, help="6-digit local government code")
        create.add_argument("--days", type=int, default=None, help="Lifetime in days")
        revoke = sub.add_parser("revoke", help="Revoke every token of one membership.")
        revoke.add_argument("username")
        revoke.add_argument("--municipality", required=True, help="6-digit local government code")

    def handle(self, *args: Any, **options: Any) -> None:
        membership = self._membership(options)
        if options["action"] == "revoke":
            count = api_tokens_revoke(membership=membership)
            self.stdout.write(
                _("Revoked %(count)d token(s) of %(username)s at %(name)s.")
                % {
                    "count": count,
                    "username": membership.user.username,
                    "name": membership.municipality.name,
                }
            )
            return
        self._create(membership, options)

    def _membership(self, options: dict[str, Any]) -> Membership:
        code = options["municipality"].strip()
        if not is_valid_municipality_code(code):
            raise CommandError(
                _("“%(code)s” is not a valid local government code.") % {"code": code}
            )
        municipality = Municipality.objects.filter(code=code).first()
        if municipality is None:
            raise CommandError(_("No municipality with code %(code)s.") % {"code": code})
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(
                _("No user named “%(username)s”.") % {"username": options["username"]}
            )
        membership = membership_for(user=user, code=municipality.code)
        if membership is None and options["action"] == "revoke":
            # A member who left may still hold tokens (refused, but not yet revoked).
            with scopes_disabled():
                membership = (
                    Membership.objects.filter(user=user, municipality=municipality)
                    .select_related("municipality", "user")
                    .first()
                )
        if membership is None:
            raise CommandError(
                _("%(username)s is not a member of %(name)s.")
                % {"username": user.username, "name": municipality.name}
            )
        return membership

    def _create(self, membership: Membership, options: dict[str, Any]) -> None:
        user, municipality = membership.user, membership.municipality
        days = options["days"]
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise CommandError(_("--days must be between 1 and %(max)s.") % {"max": MAX_DAYS})
        api_token, token = api_token_create(membership=membership, days=days)
        self.stderr.write(
            _("Token for %(username)s at %(name)s, valid until %(until)s:")
            % {
                "username": user.username,
                "name": municipality.name,
                "until": api_token.expires_at.date().isoformat(),
            }
        )
        self.stdout.write(token)
