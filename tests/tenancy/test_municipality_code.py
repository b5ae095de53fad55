from hypothesis import given
from hypothesis import strategies as st

from tsunagu.tenancy.validators import is_valid_municipality_code, municipality_check_digit


def test_the_four_seed_municipalities_have_valid_codes() -> None:
    for code in ("232297", "332089", "352021", "362085"):
        assert is_valid_municipality_code(code)


def test_it_rejects_a_wrong_check_digit_and_malformed_codes() -> None:
    for code in ("232298", "23229", "2322970", "23229a", "２３２２９７", ""):
        assert not is_valid_municipality_code(code)


@given(st.from_regex(r"\A[0-9]{5}\Z"))
def test_exactly_one_check_digit_completes_any_five_digits(first_five: str) -> None:
    valid = [d for d in "0123456789" if is_valid_municipality_code(first_five + d)]
    assert valid == [str(municipality_check_digit(first_five))]
