"""Routing conditions: a small JSON grammar, validated and evaluated without Django.

A *condition* is ``{"field": "category", "op": "equals", "value": "billing"}``; a *group* is
``{"all": [...]}`` or ``{"any": [...]}`` of conditions or groups, nested freely. The empty
object ``{}`` matches every ticket (a catch-all rule).

Fields are dotted paths into the ticket's facts: ``category``, ``source``, ``priority``,
``priority_score``, ``language``, ``subject``, ``description``, ``text`` (subject and
description together), ``tags``, ``customer.tier``, ``customer.email``, ``metadata.<key>…``.

Text comparisons fold case and accents. ``contains_any`` / ``contains_all`` match the start
of a word, so ``"bloque"`` matches "bloqueado" and "bloqueada"; use ``regex`` for anything
finer. On a list field (``tags``) they test membership instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .text import fold


class ConditionError(ValueError):
    """The conditions JSON is malformed; the message says what to fix."""


_MISSING = object()
FIELD_ROOTS = {
    "category", "source", "priority", "priority_score", "language", "subject", "description", "text",
    "tags", "customer", "metadata",
}


def _as_text(value: Any) -> str:
    return fold(value) if isinstance(value, str) else fold(str(value))


@lru_cache(maxsize=1024)
def _word_start(term: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(fold(term)))


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _terms(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _contains(actual: Any, expected: Any, *, every: bool) -> bool:
    terms = _terms(expected)
    if isinstance(actual, (list, tuple, set)):
        have = {_as_text(item) for item in actual}
        hits = [_as_text(term) in have for term in terms]
    else:
        text = _as_text(actual)
        hits = [bool(_word_start(term).search(text)) for term in terms]
    return all(hits) if every else any(hits)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _compare(check: Callable[[float, float], bool]) -> Callable[[Any, Any], bool]:
    def operator(actual: Any, expected: Any) -> bool:
        left = _number(actual)
        return left is not None and check(left, float(expected))

    return operator


def _equals(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str) and isinstance(expected, str):
        return fold(actual) == fold(expected)
    return actual == expected


def _regex(actual: Any, expected: Any) -> bool:
    if isinstance(actual, (list, tuple)):
        return any(_compiled(expected).search(_as_text(item)) for item in actual)
    return bool(_compiled(expected).search(_as_text(actual)))


# op -> (evaluate(actual, expected), validate(expected) -> error or None). Missing fields fail
# every operator except ``exists`` (and ``not_equals`` / ``not_in``, which they satisfy).
def _is_terms(v: Any) -> str | None:
    ok = isinstance(v, str) and v or isinstance(v, list) and v and all(isinstance(t, str) and t for t in v)
    return None if ok else "a non-empty word or list of words"


def _is_list(v: Any) -> str | None:
    return None if isinstance(v, list) and v else "a non-empty list"


def _is_number(v: Any) -> str | None:
    return None if _number(v) is not None else "a number"


def _is_regex(v: Any) -> str | None:
    if not isinstance(v, str) or not v:
        return "a regular expression"
    try:
        re.compile(v)
    except re.error as exc:
        return f"a valid regular expression ({exc})"
    return None


def _is_bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else "true or false"


def _is_scalar(v: Any) -> str | None:
    return None if isinstance(v, (str, int, float, bool)) else "a string, number or boolean"


OPERATORS: dict[str, tuple[Callable[[Any, Any], bool], Callable[[Any], str | None]]] = {
    "equals": (_equals, _is_scalar),
    "not_equals": (lambda a, e: not _equals(a, e), _is_scalar),
    "in": (lambda a, e: any(_equals(a, item) for item in e), _is_list),
    "not_in": (lambda a, e: not any(_equals(a, item) for item in e), _is_list),
    "contains_any": (lambda a, e: _contains(a, e, every=False), _is_terms),
    "contains_all": (lambda a, e: _contains(a, e, every=True), _is_terms),
    "regex": (_regex, _is_regex),
    "gt": (_compare(lambda a, e: a > e), _is_number),
    "gte": (_compare(lambda a, e: a >= e), _is_number),
    "lt": (_compare(lambda a, e: a < e), _is_number),
    "lte": (_compare(lambda a, e: a <= e), _is_number),
    "exists": (lambda a, e: (a is not _MISSING and a not in (None, "", [], {})) == e, _is_bool),
}
_SATISFIED_BY_MISSING = {"not_equals", "not_in"}


def validate_conditions(node: Any, path: str = "conditions") -> None:
    """Raise ConditionError naming the first problem; return None when the JSON is valid."""
    if not isinstance(node, Mapping):
        raise ConditionError(f"{path}: expected an object, got {type(node).__name__}.")
    if not node:
        return
    groups = [key for key in ("all", "any") if key in node]
    if groups:
        if len(node) != 1:
            raise ConditionError(f"{path}: a group has exactly one key, 'all' or 'any'.")
        children = node[groups[0]]
        if not isinstance(children, list) or not children:
            raise ConditionError(f"{path}.{groups[0]}: expected a non-empty list of conditions.")
        for index, child in enumerate(children):
            validate_conditions(child, f"{path}.{groups[0]}[{index}]")
        return
    unknown = set(node) - {"field", "op", "value"}
    if unknown:
        raise ConditionError(f"{path}: unknown keys {sorted(unknown)}; use field, op and value, or all/any.")
    field, op = node.get("field"), node.get("op")
    if not isinstance(field, str) or field.split(".")[0] not in FIELD_ROOTS:
        raise ConditionError(f"{path}.field: expected one of {sorted(FIELD_ROOTS)} (dotted paths allowed), got {field!r}.")
    if op not in OPERATORS:
        raise ConditionError(f"{path}.op: expected one of {sorted(OPERATORS)}, got {op!r}.")
    if "value" not in node:
        raise ConditionError(f"{path}.value: missing.")
    problem = OPERATORS[op][1](node["value"])
    if problem:
        raise ConditionError(f"{path}.value: '{op}' needs {problem}, got {node['value']!r}.")


def resolve_field(facts: Mapping[str, Any], field: str) -> Any:
    if field == "text":
        return f"{facts.get('subject', '')}\n{facts.get('description', '')}"
    value: Any = facts
    for part in field.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


@dataclass(frozen=True)
class Evaluation:
    matched: bool
    trace: tuple[str, ...]


def evaluate(node: Mapping[str, Any], facts: Mapping[str, Any]) -> Evaluation:
    """Evaluate validated conditions against a ticket's facts, keeping the trace of each test."""
    trace: list[str] = []
    matched = _evaluate(node, facts, trace)
    return Evaluation(matched=matched, trace=tuple(trace))


def _evaluate(node: Mapping[str, Any], facts: Mapping[str, Any], trace: list[str]) -> bool:
    if not node:
        trace.append("{} matches every ticket")
        return True
    if "all" in node:
        return all(_evaluate(child, facts, trace) for child in node["all"])
    if "any" in node:
        return any(_evaluate(child, facts, trace) for child in node["any"])
    field, op, expected = node["field"], node["op"], node["value"]
    actual = resolve_field(facts, field)
    if actual is _MISSING or actual is None:
        result = op in _SATISFIED_BY_MISSING or (op == "exists" and expected is False)
    else:
        result = OPERATORS[op][0](actual, expected)
    trace.append(f"{field} {op} {expected!r}: {'yes' if result else 'no'}")
    return result
