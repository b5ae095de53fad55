"""The API of people."""

from ninja import Router

router = Router(tags=["people"])
