"""Text folding shared by the engines: lower case, accents removed, whitespace collapsed."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """'¡URGENTE: Sistema caído!' -> '¡urgente: sistema caido!'"""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACE.sub(" ", stripped).strip()
