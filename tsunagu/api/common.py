"""What every API router shares: the path parameter, the error format, paging, bodies."""

import json
from typing import Annotated, Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from ninja import Field, Path, Schema
from ninja.errors import ValidationError
from pydantic import ValidationError as PydanticValidationError

# Marked explicitly: ninja sees only the operation's own path, not the router's prefix.
CodePath = Annotated[str, Path(description="全国地方公共団体コード, 6 digits")]


class ErrorItem(Schema):
    field: str
    message: str


class Error(Schema):
    """The error format of CONTRACT.md."""

    detail: str
    errors: list[ErrorItem] = []


ERRORS: dict[int, Any] = {401: Error, 403: Error, 404: Error, 422: Error}

S = TypeVar("S", bound=Schema)


def page_bounds(limit: int, offset: int) -> tuple[int, int]:
    """limit and offset as CONTRACT.md says (limit 1..1000); 422 with field names otherwise."""
    problems = []
    if not 1 <= limit <= 1000:
        problems.append({"loc": ("query", "limit"), "msg": "must be between 1 and 1000"})
    if offset < 0:
        problems.append({"loc": ("query", "offset"), "msg": "must not be negative"})
    elif offset > 2**63 - 1:
        # Beyond the database's integers the query fails (500) instead of finding nothing.
        problems.append(
            {"loc": ("query", "offset"), "msg": "must be a whole number within 64 bits"}
        )
    if problems:
        raise ValidationError(problems)
    return limit, offset


def django_errors_to_422(exc: DjangoValidationError, *, location: str = "body") -> ValidationError:
    """A service's ValidationError as the API's 422, field by field."""
    if hasattr(exc, "error_dict"):
        return ValidationError(
            [
                {
                    "loc": (location, field),
                    "msg": " ".join(str(m) for e in errs for m in e.messages),
                }
                for field, errs in exc.error_dict.items()
            ]
        )
    return ValidationError([{"loc": (location,), "msg": " ".join(exc.messages)}])


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline_refs(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
        return {k: _inline_refs(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


def json_body(schema: type[Schema]) -> dict[str, Any]:
    """openapi_extra documenting a body that the operation parses itself (see parse_body)."""
    raw = schema.model_json_schema()
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline_refs(raw, raw.get("$defs", {}))}},
        }
    }


def _nul_at(value: Any, loc: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Where in a JSON value a string holds a NUL character."""
    if isinstance(value, str):
        return [loc] if "\x00" in value else []
    if isinstance(value, dict):
        return [found for k, v in value.items() for found in _nul_at(v, (*loc, k))]
    if isinstance(value, list):
        return [found for i, v in enumerate(value) for found in _nul_at(v, (*loc, i))]
    return []


INT64 = 2**63 - 1


def query_id() -> Any:
    """A row id given in a query string: whole, positive and within a 64-bit database column
    (beyond it the database itself fails), or absent."""
    return Field(None, ge=1, le=INT64)


def _too_large_at(value: Any, loc: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Where in a JSON value a whole number lies outside a 64-bit database column."""
    if isinstance(value, int) and not isinstance(value, bool):
        return [loc] if not -INT64 - 1 <= value <= INT64 else []
    if isinstance(value, dict):
        return [found for k, v in value.items() for found in _too_large_at(v, (*loc, k))]
    if isinstance(value, list):
        return [found for i, v in enumerate(value) for found in _too_large_at(v, (*loc, i))]
    return []


MAX_DEPTH = 32
TOO_DEEP = f"must not nest lists and objects more than {MAX_DEPTH} deep"


def _too_deep(value: Any) -> bool:
    """Whether lists and objects nest deeper than MAX_DEPTH (walked without recursion)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def parse_body(request: HttpRequest, schema: type[S]) -> S:
    """Validate the JSON body inside the operation, so that 404 and 403 come before 422 and
    errors name the field itself ("birth_date", "backgrounds.0")."""
    try:
        data = json.loads(request.body or b"{}")
    except RecursionError as exc:
        # The parser recursed once per bracket: "[[[[…" many thousands deep used to be a 500.
        raise ValidationError([{"loc": ("body",), "msg": TOO_DEEP}]) from exc
    except ValueError as exc:
        raise ValidationError([{"loc": ("body",), "msg": "the body is not JSON"}]) from exc
    if _too_deep(data):
        # The checks below walk the value recursively; no operation takes anything this deep.
        raise ValidationError([{"loc": ("body",), "msg": TOO_DEEP}])
    nul = [
        {"loc": ("body", *loc), "msg": "must not contain NUL characters"} for loc in _nul_at(data)
    ]
    if nul:
        # Django's forms refuse NUL for the same reason: PostgreSQL cannot store it in text.
        raise ValidationError(nul)
    too_large = [
        {"loc": ("body", *loc), "msg": "must be a whole number within 64 bits"}
        for loc in _too_large_at(data)
    ]
    if too_large:
        # An id beyond the database's integer columns made the query fail (500) instead.
        raise ValidationError(too_large)
    try:
        return schema.model_validate(data)
    except PydanticValidationError as exc:
        raise ValidationError(
            [{"loc": ("body", *e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        ) from exc
