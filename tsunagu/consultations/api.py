"""The API of consultations."""

from ninja import Router

router = Router(tags=["consultations"])
