"""Row ids from query strings and form data: ASCII digits within a 64-bit column, else None.

`str.isdigit()` accepts "²" or "٣" (which `int()` then refuses or reads oddly), and a number
beyond 64 bits makes the database refuse the query: both used to answer 500.
"""

MAX_ID = 2**63 - 1


def parse_id(raw: object) -> int | None:
    text = str(raw or "")
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
