"""BM25 over stemmed Spanish and English text (``bm25s`` + Snowball stemmers from PyStemmer).

Each text is stemmed with its own language's stemmer and accents are folded after stemming, so
'contraseñas' and 'contrasena' meet. Stop words of both languages are dropped.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

logger = logging.getLogger(__name__)

_WORD = re.compile(r"\w\w+", re.UNICODE)


def _fold(token: str) -> str:
    decomposed = unicodedata.normalize("NFKD", token)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_SPANISH

    return frozenset(STOPWORDS_EN_PLUS) | frozenset(STOPWORDS_SPANISH)


@lru_cache(maxsize=4)
def _stemmer(language: str):
    import Stemmer

    return Stemmer.Stemmer("spanish" if language == "es" else "english")


def tokenize(text: str, language: str = "en") -> list[str]:
    """'¿Cómo restablezco mi contraseña?' (es) -> ['restablezc', 'contrasen']"""
    stop = _stopwords()
    words = [w for w in _WORD.findall(text.casefold()) if _fold(w) not in stop and w not in stop and not w.isdigit()]
    if language in ("es", "en"):
        words = _stemmer(language).stemWords(words)
    return [_fold(w) for w in words]


@lru_cache(maxsize=1)
def _bm25s():
    import bm25s

    # bm25s sets its own logger to DEBUG on import and logs every index build; keep it quiet.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


class LexicalIndex:
    """BM25 scores of one query against every document. Documents are token lists."""

    def __init__(self, documents: Sequence[Sequence[str]]):
        bm25s = _bm25s()
        self.size = len(documents)
        self._vocab: dict = {}
        if not self.size:
            return
        self._retriever = bm25s.BM25()
        # bm25s needs at least one token per document to build its matrix.
        corpus = [list(doc) or ["\u2205"] for doc in documents]
        self._retriever.index(corpus, show_progress=False)
        self._vocab = self._retriever.vocab_dict

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        known = [t for t in tokens if t in self._vocab]
        if not known or not self.size:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(known), dtype=np.float32)
