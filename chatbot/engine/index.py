"""Rank knowledge-base documents for a customer message.

A *document* is one article in all its languages (the shared ``article_id``), so an English
question finds a Spanish-only article and the reverse. A document has *views*: its example
questions in every language, its titles and its bodies. Each encoder scores a document as the
best cosine over its views; the scores are z-normalised over the candidates per encoder and
summed, and BM25 over the stemmed text adds ``alpha · bm25 / max(bm25)`` (see
docs/chatbot.md for the measurements behind this).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .lexical import LexicalIndex, tokenize

QUESTION, TITLE, BODY = "question", "title", "body"
#: Example questions and titles are questions; bodies are passages (e5 uses different prefixes).
QUERY_KINDS = frozenset({QUESTION, TITLE})
DEFAULT_ALPHA = 1.5
#: The key of the pseudo-document made of messages the bot must not answer: when it ranks
#: first, the message is closer to a known out-of-scope question than to any article.
OUT_OF_SCOPE = "__out_of_scope__"


@dataclass(frozen=True)
class View:
    text: str
    kind: str
    language: str

    @property
    def is_query(self) -> bool:
        return self.kind in QUERY_KINDS


@dataclass(frozen=True)
class Document:
    key: str
    views: tuple[View, ...]
    title: str = ""


@dataclass(frozen=True)
class Candidate:
    key: str
    title: str
    score: float
    components: dict

    def as_dict(self) -> dict:
        return {
            "article_id": self.key,
            "title": self.title,
            "score": round(self.score, 4),
            **{k: round(v, 4) for k, v in self.components.items()},
        }


@dataclass(frozen=True)
class Retrieval:
    candidates: tuple[Candidate, ...]
    #: Confidence features of the top candidate, in ``feature_names`` order.
    features: tuple[float, ...] = ()
    feature_names: tuple[str, ...] = ()

    @property
    def top(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def article_views(*, language: str, title: str, summary: str = "", content: str = "", keywords=(), example_questions=()) -> list[View]:
    """What one translation of an article is found by: every example question, the title, and the
    whole text (summary, content and keywords; bilingual keywords help BM25 across languages)."""
    views = [View(q.strip(), QUESTION, language) for q in example_questions or () if q and q.strip()]
    views.append(View(title, TITLE, language))
    words = ", ".join(k for k in keywords or () if k)
    views.append(View("\n".join(part for part in (title, summary, content, words) if part), BODY, language))
    return views


def encode_views(encoder, views: Sequence[View]) -> np.ndarray:
    """Vectors for ``views`` in order: questions and titles as queries, bodies as passages."""
    out = np.zeros((len(views), encoder.dim), dtype=np.float32)
    for is_query in (True, False):
        rows = [i for i, view in enumerate(views) if view.is_query == is_query]
        if rows:
            out[rows] = encoder.encode([views[i].text for i in rows], is_query=is_query)
    return out


def _zscore(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    out = np.zeros_like(values)
    if valid.sum() == 0:
        return out
    picked = values[valid]
    std = float(picked.std())
    out[valid] = (picked - picked.mean()) / (std if std > 1e-6 else 1.0)
    return out


@dataclass
class KnowledgeIndex:
    documents: tuple[Document, ...]
    encoders: tuple = ()
    #: encoder name -> (number of views, dim) matrix, rows in document-then-view order.
    vectors: Mapping[str, np.ndarray] = field(default_factory=dict)
    alpha: float = DEFAULT_ALPHA

    def __post_init__(self):
        self.documents = tuple(self.documents)
        self.views = [view for doc in self.documents for view in doc.views]
        counts = np.array([len(doc.views) for doc in self.documents], dtype=np.int64)
        self._view_doc = np.repeat(np.arange(len(self.documents)), counts)
        self._starts = np.concatenate([[0], np.cumsum(counts)[:-1]]) if len(counts) else np.zeros(0, np.int64)
        self._has_views = counts > 0
        for encoder in self.encoders:
            if encoder.name not in self.vectors:
                self.vectors = {**self.vectors, encoder.name: encode_views(encoder, self.views)}
            matrix = self.vectors[encoder.name]
            if matrix.shape != (len(self.views), encoder.dim):
                raise ValueError(f"{encoder.name}: {matrix.shape} vectors for {len(self.views)} views of dim {encoder.dim}")
        self._lexical = LexicalIndex(
            [[tok for view in doc.views for tok in tokenize(view.text, view.language)] for doc in self.documents]
        )
        self.feature_names = self._feature_names()

    @property
    def size(self) -> int:
        return len(self.documents)

    # -- building variants (used by calibration; no re-encoding) ------------------------------
    def without_views(self, drop: set[int]) -> KnowledgeIndex:
        """The same index with the given view positions removed (held-out example questions)."""
        keep_docs, vectors_rows, position = [], [], 0
        for doc in self.documents:
            kept = []
            for view in doc.views:
                if position not in drop:
                    kept.append(view)
                    vectors_rows.append(position)
                position += 1
            keep_docs.append(Document(doc.key, tuple(kept), doc.title))
        return KnowledgeIndex(
            tuple(keep_docs), self.encoders, {name: m[vectors_rows] for name, m in self.vectors.items()}, self.alpha
        )

    # -- querying --------------------------------------------------------------------------------
    def encode_query(self, text: str) -> dict[str, np.ndarray]:
        return {encoder.name: encoder.encode([text], is_query=True)[0] for encoder in self.encoders}

    def search(
        self,
        text: str,
        language: str = "en",
        *,
        top_k: int = 5,
        query_vectors: Mapping[str, np.ndarray] | None = None,
        exclude: frozenset[str] = frozenset(),
    ) -> Retrieval:
        """The best ``top_k`` documents with their score components and the confidence features."""
        if not self.documents:
            return Retrieval((), (), self.feature_names)
        query_vectors = query_vectors if query_vectors is not None else self.encode_query(text)
        valid = self._has_views.copy()
        if exclude:
            valid &= np.array([doc.key not in exclude for doc in self.documents])
        if not valid.any():
            return Retrieval((), (), self.feature_names)
        dense = {}
        for encoder in self.encoders:
            sims = self.vectors[encoder.name] @ query_vectors[encoder.name]
            per_doc = np.full(len(self.documents), -1.0, dtype=np.float32)
            if len(sims):
                per_doc[self._has_views] = np.maximum.reduceat(sims, self._starts[self._has_views])
            dense[encoder.name] = per_doc
        bm25 = self._lexical.scores(tokenize(text, language))
        bm25 = np.where(valid, bm25, 0.0)
        bm25_max = float(bm25.max())
        bm25_norm = bm25 / bm25_max if bm25_max > 0 else np.zeros_like(bm25)
        if dense:
            combined = sum(_zscore(values, valid) for values in dense.values()) + self.alpha * bm25_norm
        else:
            combined = _zscore(bm25, valid) + self.alpha * bm25_norm
        combined = np.where(valid, combined, -np.inf)
        order = np.argsort(-combined, kind="stable")[: max(top_k, 2)]
        order = [i for i in order if valid[i]]
        candidates = tuple(
            Candidate(
                self.documents[i].key,
                self.documents[i].title,
                float(combined[i]),
                {**{f"cos_{name.split('-')[0]}": float(values[i]) for name, values in dense.items()}, "bm25": float(bm25[i])},
            )
            for i in order
        )
        features = self._features(order, combined, dense, bm25, valid)
        return Retrieval(candidates[:top_k], features, self.feature_names)

    # -- confidence features ---------------------------------------------------------------------
    def _feature_names(self) -> tuple[str, ...]:
        names = ["score", "margin"]
        for encoder in self.encoders:
            short = encoder.name.split("-")[0]
            names += [f"{short}_cos", f"{short}_agrees"]
        return tuple(names + ["bm25_log", "bm25_agrees"])

    def _features(self, order, combined, dense, bm25, valid) -> tuple[float, ...]:
        """[combined top score, its margin over the second, per encoder: top cosine and whether the
        encoder alone ranks the same article first, log(1 + BM25 of the top), BM25 agrees]."""
        top = order[0]
        second = order[1] if len(order) > 1 else None
        score = float(combined[top])
        feats = [score, score - float(combined[second]) if second is not None else 0.0]
        for values in dense.values():
            feats += [float(values[top]), float(np.argmax(np.where(valid, values, -9)) == top)]
        feats += [float(np.log1p(bm25[top])), float(bm25[top] > 0 and np.argmax(bm25) == top)]
        return tuple(feats)
