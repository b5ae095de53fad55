"""Locust readers for bench/public.py: citizens reading a municipality's public pages.

Not run on its own: bench/public.py prepares the municipality and passes its code and the
public event's id in TSUNAGU_PUBLIC_CODE and TSUNAGU_PUBLIC_EVENT. No cookie is kept: each
request is a reader arriving from a search engine or a 広報 QR code.
"""

from __future__ import annotations

import os

from locust import HttpUser, between, task

CODE = os.environ["TSUNAGU_PUBLIC_CODE"]
EVENT = os.environ["TSUNAGU_PUBLIC_EVENT"]


class Reader(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.cookies.clear()

    @task(6)
    def top(self) -> None:
        self.client.get(f"/p/{CODE}/", name="public page")

    @task(2)
    def statistics(self) -> None:
        self.client.get(f"/p/{CODE}/statistics", name="statistics")

    @task(2)
    def event(self) -> None:
        self.client.get(f"/p/{CODE}/events/{EVENT}", name="event (with form)")
        self.client.cookies.clear()

    @task(1)
    def inquiry_form(self) -> None:
        self.client.get(f"/p/{CODE}/inquiry", name="inquiry form")
        self.client.cookies.clear()
