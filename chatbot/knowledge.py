"""The knowledge index of this process: built once, rebuilt when the knowledge base changes.

Every article change bumps a version counter (a database row, mirrored in the cache); each
process compares its index's version with the counter before answering and rebuilds when they
differ. Article vectors are stored in the database (``ArticleEmbedding``) so a rebuild or a
restart only encodes what changed; the calibration is stored with the version it was fitted for.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tickets.language import detect_language

from .engine.calibration import Calibrator, calibrate_index
from .engine.encoders import LoadedEncoders, load_encoders
from .engine.index import OUT_OF_SCOPE, QUESTION, Document, KnowledgeIndex, View, article_views, encode_views
from .models import ArticleEmbedding, ChatbotSettings, FAQArticle, KnowledgeBaseState

logger = logging.getLogger(__name__)

VERSION_CACHE_KEY = "chatbot:kb-version"
REFRESH_PENDING_KEY = "chatbot:kb-refresh-pending"
_lock = threading.RLock()
_encoders: LoadedEncoders | None = None
_current: KnowledgeSnapshot | None = None


@dataclass(frozen=True)
class KnowledgeSnapshot:
    version: int
    signature: str
    index: KnowledgeIndex
    calibrator: Calibrator | None
    #: (article_id, language) -> FAQArticle, for answering.
    articles: dict
    encoders: LoadedEncoders


# -- encoders ---------------------------------------------------------------------------------------
def encoders() -> LoadedEncoders:
    """The configured encoders, loaded on first use in this process (after any fork)."""
    global _encoders
    if _encoders is None:
        with _lock:
            if _encoders is None:
                _encoders = load_encoders(settings.CHATBOT_ENCODERS, threads=settings.CHATBOT_ENCODER_THREADS)
    return _encoders


# -- the version counter ----------------------------------------------------------------------------
def current_version() -> int:
    version = cache.get(VERSION_CACHE_KEY)
    if version is None:
        version = KnowledgeBaseState.objects.filter(pk=1).values_list("version", flat=True).first() or 0
        cache.set(VERSION_CACHE_KEY, version, settings.CHATBOT_VERSION_TTL_SECONDS)
    return int(version)


def bump_version() -> None:
    """Called when an article (or a setting the index depends on) changes; atomic in the database."""
    KnowledgeBaseState.objects.get_or_create(pk=1)
    KnowledgeBaseState.objects.filter(pk=1).update(version=F("version") + 1)

    def publish():
        version = KnowledgeBaseState.objects.filter(pk=1).values_list("version", flat=True).first() or 0
        cache.set(VERSION_CACHE_KEY, version, settings.CHATBOT_VERSION_TTL_SECONDS)
        from .tasks import refresh_knowledge_index

        if not cache.add(REFRESH_PENDING_KEY, True, 60):
            return  # one refresh is already queued (e.g. while seeding many articles); it reads the latest
        try:
            refresh_knowledge_index.delay()
        except Exception as exc:  # the broker is down: the next ticket rebuilds the index anyway
            logger.warning("could not queue the knowledge index refresh: %s", exc)

    transaction.on_commit(publish)


# -- building -----------------------------------------------------------------------------------
def views_of(article: FAQArticle) -> list[View]:
    return article_views(
        language=article.language, title=article.title, summary=article.summary, content=article.content,
        keywords=article.keywords, example_questions=article.example_questions,
    )


def _content_hash(views: list[View]) -> str:
    digest = hashlib.sha1()
    for view in views:
        digest.update(f"{view.kind}\x1f{view.language}\x1f{view.text}\x1e".encode())
    return digest.hexdigest()


def _vectors_for(encoder, articles: list[FAQArticle], views_by_article: dict[int, list[View]]) -> np.ndarray:
    """Stored vectors where the article's text is unchanged; encode (and store) the rest."""
    hashes = {a.pk: _content_hash(views_by_article[a.pk]) for a in articles}
    stored = {
        row.article_id: row
        for row in ArticleEmbedding.objects.filter(encoder=encoder.name, article__in=articles).only(
            "article_id", "content_hash", "views", "dim", "vectors"
        )
        if hashes.get(row.article_id) == row.content_hash
    }
    blocks, fresh = [], []
    for article in articles:
        views = views_by_article[article.pk]
        row = stored.get(article.pk)
        if row is not None and row.views == len(views) and row.dim == encoder.dim:
            blocks.append(np.frombuffer(bytes(row.vectors), dtype=np.float32).reshape(row.views, row.dim))
            continue
        matrix = encode_views(encoder, views)
        blocks.append(matrix)
        fresh.append(
            ArticleEmbedding(
                article=article,
                encoder=encoder.name,
                content_hash=hashes[article.pk],
                views=len(views),
                dim=encoder.dim,
                vectors=matrix.astype(np.float32).tobytes(),
            )
        )
    if fresh:
        ArticleEmbedding.objects.bulk_create(fresh, ignore_conflicts=True)
        for row in fresh:  # an edited article's old vectors are no use any more
            ArticleEmbedding.objects.filter(article=row.article, encoder=encoder.name).exclude(
                content_hash=row.content_hash
            ).delete()
        logger.info("encoded %d article(s) with %s", len(fresh), encoder.name)
    return np.vstack(blocks) if blocks else np.zeros((0, encoder.dim), np.float32)


def build_snapshot(version: int) -> KnowledgeSnapshot:
    loaded = encoders()
    bot_settings = ChatbotSettings.current()
    articles = list(FAQArticle.objects.filter(published=True).order_by("article_id", "language"))
    views_by_article = {a.pk: views_of(a) for a in articles}
    grouped: dict[str, list[FAQArticle]] = defaultdict(list)
    for article in articles:
        grouped[article.article_id].append(article)
    documents = tuple(
        Document(
            key,
            tuple(v for a in rows for v in views_by_article[a.pk]),
            next((a.title for a in rows if a.language == "en"), rows[0].title),
        )
        for key, rows in grouped.items()
    )
    ordered = [a for rows in grouped.values() for a in rows]
    vectors = {encoder.name: _vectors_for(encoder, ordered, views_by_article) for encoder in loaded.encoders}
    negatives = tuple(
        View(text.strip(), QUESTION, detect_language(text, default="en"))
        for text in bot_settings.out_of_scope_examples or []
        if text.strip()
    )
    if negatives:  # a short list, encoded on each build (the encoders remember recent texts)
        documents += (Document(OUT_OF_SCOPE, negatives, "Out of scope"),)
        vectors = {e.name: np.vstack([vectors[e.name], encode_views(e, negatives)]) for e in loaded.encoders}
    index = KnowledgeIndex(documents, loaded.encoders, vectors, alpha=bot_settings.lexical_weight)
    signature = f"{loaded.signature}|alpha={bot_settings.lexical_weight:g}"
    return KnowledgeSnapshot(
        version,
        signature,
        index,
        _calibration(index, version, signature),
        {(a.article_id, a.language): a for a in articles},
        loaded,
    )


def _calibration(index: KnowledgeIndex, version: int, signature: str) -> Calibrator | None:
    state, _ = KnowledgeBaseState.objects.get_or_create(pk=1)
    if state.calibrated_version == version and state.calibration_signature == signature and state.calibration:
        return Calibrator.from_dict(state.calibration)
    calibrator = calibrate_index(index)
    KnowledgeBaseState.objects.filter(pk=1).update(
        calibration=calibrator.as_dict() if calibrator else None,
        calibrated_version=version,
        calibration_signature=signature,
        calibrated_at=timezone.now(),
    )
    if calibrator is None:
        logger.warning("knowledge base v%s: too few example questions to calibrate; the bot will not answer", version)
    return calibrator


def snapshot() -> KnowledgeSnapshot:
    """This process's index, rebuilt first if the knowledge base changed since it was built."""
    global _current
    version = current_version()
    if _current is not None and _current.version == version:
        return _current
    with _lock:
        if _current is None or _current.version != version:
            _current = build_snapshot(version)
    return _current


def forget_snapshot() -> None:
    """Drop this process's index (tests, and after settings that change scoring)."""
    global _current
    _current = None
    cache.delete(VERSION_CACHE_KEY)
