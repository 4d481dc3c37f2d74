"""Remove personal data from a message before it leaves for a language model. Pure."""

from __future__ import annotations

import re

_RULES: tuple[tuple[str, re.Pattern], ...] = (
    ("[EMAIL]", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("[IBAN]", re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,4})?\b")),
    ("[CARD]", re.compile(r"\b(?:\d[ -]?){12,18}\d\b")),
    ("[ID]", re.compile(r"\b(?:\d{8}[A-HJ-NP-TV-Z]|[XYZ]\d{7}[A-HJ-NP-TV-Z])\b", re.IGNORECASE)),
    ("[PHONE]", re.compile(r"(?<![\w])(?:\+|00)?\d[\d ().-]{6,}\d(?![\w])")),
    ("[IP]", re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")),
    ("[SECRET]", re.compile(r"(?i)\b(?:token|password|contrase(?:ñ|n)a|clave|pwd)\s*[:=]\s*\S+")),
)


def mask_personal_data(text: str) -> tuple[str, dict[str, int]]:
    """('write to [EMAIL]', {'[EMAIL]': 1}) — the masked text and how many of each kind were removed."""
    counts: dict[str, int] = {}
    for placeholder, pattern in _RULES:
        text, n = pattern.subn(placeholder, text)
        if n:
            counts[placeholder] = counts.get(placeholder, 0) + n
    return text, counts
