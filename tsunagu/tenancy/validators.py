"""Validation of 全国地方公共団体コード (local government codes, JIS X 0402)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_WEIGHTS = (6, 5, 4, 3, 2)


def municipality_check_digit(first_five: str) -> int:
    total = sum(int(d) * w for d, w in zip(first_five, _WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def is_valid_municipality_code(code: str) -> bool:
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return False
    return municipality_check_digit(code[:5]) == int(code[5])


def validate_municipality_code(code: str) -> None:
    if not is_valid_municipality_code(code):
        raise ValidationError(
            _(
                "“%(code)s” is not a valid local government code: six digits whose last is"
                " the check digit."
            ),
            code="invalid_municipality_code",
            params={"code": code},
        )
