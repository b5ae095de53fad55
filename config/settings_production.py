"""Production settings: everything of config.settings, hardened for HTTPS behind a proxy."""

import os

from django.core.exceptions import ImproperlyConfigured

from config.settings import *  # noqa: F403
from config.settings import _env_flag, _env_int

for _required in ("SECRET_KEY", "TSUNAGU_SALT_KEY", "TSUNAGU_AUDIT_KEY"):
    # A key generated into the data directory would change with a rebuilt server (the encrypted
    # columns would become unreadable, the access log unverifiable), and the audit key would sit
    # beside the data it protects: production takes all three from the environment.
    if not os.environ.get(_required):
        raise ImproperlyConfigured(f"本番環境では {_required} 環境変数を設定してください。")

if _env_flag("TSUNAGU_DEMO_MODE"):
    # Demo mode lets the demo accounts in without a second factor: never on a real server.
    raise ImproperlyConfigured(
        "本番環境では TSUNAGU_DEMO_MODE を設定できません"
        "（デモの二要素認証免除は手元の `tsunagu demo` 専用です）。"
        "TSUNAGU_DEMO_MODE を外してから起動してください。"
        " / TSUNAGU_DEMO_MODE must not be set with config.settings_production: it exempts the"
        " demo accounts from two-factor authentication and is meant for `tsunagu demo` on one"
        " machine only. Unset it and start again."
    )

DEBUG = False
TSUNAGU_DEMO_MODE = False
TSUNAGU_PRODUCTION = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 63072000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Passkeys only over HTTPS; allauth's remember-this-browser cookie stays secure too.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
MFA_TRUST_COOKIE_SECURE = True
# The HTTPS proxy in front appends the client's address to X-Forwarded-For; lockouts and rate
# limits key on that address, not on the proxy's.
TSUNAGU_TRUSTED_PROXY_COUNT = _env_int("TSUNAGU_TRUSTED_PROXY_COUNT", 1)
ALLAUTH_TRUSTED_PROXY_COUNT = TSUNAGU_TRUSTED_PROXY_COUNT
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
