"""Locust users for bench/load.py: staff on the main journeys at a person's pace.

Not run on its own: bench/load.py prepares the accounts (password and authenticator app of
each) and passes them in TSUNAGU_LOAD_ACCOUNTS, then reads TSUNAGU_LOAD_WRITES afterwards to
account for every consultation the users saved.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import random
import re
import struct
import time
from itertools import count
from typing import Any

from locust import HttpUser, between, events, task

ACCOUNTS: list[dict[str, Any]] = json.loads(
    open(os.environ["TSUNAGU_LOAD_ACCOUNTS"], encoding="utf-8").read()  # noqa: SIM115
)
NEXT_ACCOUNT = count()
SAVED: dict[str, int] = {}  # username -> consultations this user saw saved
# Every request as (name, when it ended in seconds since the epoch, milliseconds), written
# to TSUNAGU_LOAD_TIMES at the end: bench/load.py also reports the work after the logins.
TIMES: list[tuple[str, float, float]] = []
SEARCHES = ["佐藤", "林", "さとう", "ｽｽﾞｷ", "高橋", "田中花子", "やまだ", "小林", "森", "伊藤"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CASE_LINK = re.compile(r'href="(/m/\d+/cases/\d+/)"')


def totp(secret: str, at: float, step: int = 0) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), as the authenticator app computes it."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = struct.pack(">Q", int(at) // 30 + step)
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    return found.group(1) if found else ""


class Staff(HttpUser):
    """A counselor or lead: logs in once, then works, pausing 3–10 s as people do."""

    wait_time = between(3, 10)

    def on_start(self) -> None:
        self.account = ACCOUNTS[next(NEXT_ACCOUNT) % len(ACCOUNTS)]
        self.base = f"/m/{self.account['code']}/"
        self.case_urls: list[str] = []
        page = self.client.get("/accounts/login/", name="login page")
        response = self.client.post(
            "/accounts/login/",
            {
                "username": self.account["username"],
                "password": self.account["password"],
                "csrfmiddlewaretoken": csrf_of(page.text),
            },
            name="login (password)",
        )
        code = totp(self.account["totp"], time.time())
        with self.client.post(
            "/accounts/2fa/authenticate/",
            {"code": code, "csrfmiddlewaretoken": csrf_of(response.text)},
            name="login (code)",
            catch_response=True,
        ) as response:
            if response.url.rstrip("/").endswith(self.base.rstrip("/")):
                response.success()
            else:
                response.failure(f"login ended at {response.url}")

    @task(4)
    def home(self) -> None:
        self.client.get(self.base, name="home")

    @task(6)
    def search(self) -> None:
        self.client.get(
            f"{self.base}persons/",
            params={"q": random.choice(SEARCHES)},
            headers={"HX-Request": "true"},
            name="search",
        )

    @task(3)
    def case_list(self) -> None:
        response = self.client.get(f"{self.base}cases/", name="case list")
        self.case_urls = CASE_LINK.findall(response.text)[:50]

    @task(3)
    def case_page(self) -> None:
        if not self.case_urls:
            self.case_list()
        if self.case_urls:
            self.client.get(random.choice(self.case_urls), name="case page")

    @task(1)
    def statistics(self) -> None:
        self.client.get(f"{self.base}statistics/", name="statistics")

    @task(3)
    def quick_entry(self) -> None:
        page = self.client.get(f"{self.base}consultations/new/", name="quick entry form")
        with self.client.post(
            f"{self.base}consultations/new/",
            {
                "csrfmiddlewaretoken": csrf_of(page.text),
                "channel": random.choice(["phone", "walk_in", "email"]),
                "consulter": random.choice(["self", "family", "agency"]),
                "occurred_at": time.strftime("%Y-%m-%dT%H:%M"),
                "summary": "負荷試験の相談記録",
            },
            name="quick entry save",
            catch_response=True,
        ) as response:
            if response.status_code == 200 and 'id="saved-consultation"' in response.text:
                SAVED[self.account["username"]] = SAVED.get(self.account["username"], 0) + 1
                response.success()
            else:
                response.failure(f"not saved: {response.status_code}")


@events.request.add_listener
def keep_time(name: str, response_time: float, **_kwargs: Any) -> None:
    TIMES.append((name, time.time(), response_time))


@events.test_stop.add_listener
def write_saved(**_kwargs: Any) -> None:
    with open(os.environ["TSUNAGU_LOAD_WRITES"], "w", encoding="utf-8") as out:
        json.dump(SAVED, out)
    if os.environ.get("TSUNAGU_LOAD_TIMES"):
        with open(os.environ["TSUNAGU_LOAD_TIMES"], "w", encoding="utf-8") as out:
            json.dump(TIMES, out)
