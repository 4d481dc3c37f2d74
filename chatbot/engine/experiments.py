"""Deterministic A/B assignment: the same ticket always lands in the same variant. Pure."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def pick_variant(experiment: str, unit: str, variants: Sequence[tuple[str, int]]) -> str | None:
    """The variant key for ``unit`` (a ticket id) among ``(key, weight)`` pairs, by hash bucket."""
    weighted = [(key, weight) for key, weight in variants if weight > 0]
    if not weighted:
        return None
    total = sum(weight for _, weight in weighted)
    bucket = int.from_bytes(hashlib.sha256(f"{experiment}:{unit}".encode()).digest()[:8], "big") % total
    for key, weight in weighted:
        if bucket < weight:
            return key
        bucket -= weight
    return weighted[-1][0]
