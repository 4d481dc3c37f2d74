"""The bot's engine alone: no database, no Django models."""

import zlib

import numpy as np
import pytest

from chatbot.engine.calibration import (
    Calibrator,
    calibrate_index,
    expected_calibration_error,
    fit_calibrator,
    fit_logistic,
    threshold_for_precision,
)
from chatbot.engine.decision import decide
from chatbot.engine.experiments import pick_variant
from chatbot.engine.index import OUT_OF_SCOPE, QUESTION, TITLE, Document, KnowledgeIndex, View
from chatbot.engine.intents import detect_intent
from chatbot.engine.lexical import tokenize
from chatbot.engine.masking import mask_personal_data


class BagOfWords:
    """A deterministic stand-in encoder: hashed stemmed words, normalised."""

    name = "bow-test"
    dim = 64

    def encode(self, texts, *, is_query):
        out = np.zeros((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            for token in tokenize(text, "es") + tokenize(text, "en"):
                out[row, zlib.crc32(token.encode()) % self.dim] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def doc(key, *questions, lang="en"):
    return Document(key, tuple([View(key.replace("-", " "), TITLE, lang)] + [View(q, QUESTION, lang) for q in questions]), key)


DOCS = (
    doc(
        "reset-password",
        "I forgot my password",
        "how do I reset my password",
        "password reset link expired",
        "cannot log in password",
    ),
    doc("download-invoice", "where is my invoice", "download invoice pdf", "need last month invoice", "copy of my invoice"),
    doc("cancel-account", "close my account", "cancel my subscription", "delete my account", "stop my plan"),
    doc("change-plan", "upgrade my plan", "switch to yearly plan", "downgrade plan", "change subscription plan"),
)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Quiero hablar con una persona", "human_agent"),
        ("Can I talk to a human?", "human_agent"),
        ("Esto es inaceptable, quiero poner una queja", "complaint"),
        ("Hola", "greeting"),
        ("¡Muchas gracias!", "thanks"),
        ("Hola, ¿cómo restablezco mi contraseña?", "account"),
        ("How do I cancel?", "cancellation"),
        ("My invoice is wrong", "billing"),
        ("La web va lenta", "technical"),
        ("Qué tal el tiempo", "question"),
    ],
)
def test_intents(text, intent):
    assert detect_intent(text).name == intent


def test_urgency_from_the_priority_vocabulary_short_circuits_but_a_person_request_wins():
    assert detect_intent("El sistema está caído", urgent_terms=("caido",)).name == "urgent"
    assert detect_intent("Sistema caído, quiero hablar con una persona", urgent_terms=("caido",)).name == "human_agent"


def test_masking_removes_personal_data_but_keeps_the_question():
    masked, counts = mask_personal_data(
        "Soy ana@example.com, tel. +34 612 345 678, tarjeta 4111 1111 1111 1111. ¿Error 500 en el pedido 1234?"
    )
    assert masked == "Soy [EMAIL], tel. [PHONE], tarjeta [CARD]. ¿Error 500 en el pedido 1234?"
    assert counts == {"[EMAIL]": 1, "[CARD]": 1, "[PHONE]": 1}


def test_variant_assignment_is_deterministic_and_follows_weights():
    variants = [("a", 1), ("b", 3)]
    picks = [pick_variant("exp", f"ticket-{i}", variants) for i in range(4000)]
    assert picks == [pick_variant("exp", f"ticket-{i}", variants) for i in range(4000)]
    assert 0.7 < picks.count("b") / len(picks) < 0.8
    assert pick_variant("exp", "t", []) is None and pick_variant("exp", "t", [("a", 0)]) is None


def test_logistic_regression_recovers_a_known_rule_and_ece_is_small():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, 2))
    p = 1 / (1 + np.exp(-(2 * x[:, 0] - x[:, 1] + 0.5)))
    y = (rng.random(4000) < p).astype(float)
    coef, intercept = fit_logistic(x, y, l2=0.01)
    assert np.allclose(coef, [2, -1], atol=0.2) and abs(intercept - 0.5) < 0.15
    calibrator = fit_calibrator(x, y, ["a", "b"], folds=np.arange(4000) % 4)
    assert calibrator.ece < 0.03
    assert Calibrator.from_dict(calibrator.as_dict()).confidence([1.0, 0.0]) == pytest.approx(calibrator.confidence([1.0, 0.0]))


def test_ece_and_threshold_for_precision():
    p = np.array([0.95, 0.9, 0.8, 0.6, 0.3])
    y = np.array([1, 1, 0, 1, 0])
    ece, table = expected_calibration_error(p, y)
    assert 0 <= ece <= 1 and sum(row["count"] for row in table) == 5
    assert threshold_for_precision(p, y, 1.0) == 0.9
    assert threshold_for_precision(p, y, 0.75) == 0.6
    assert threshold_for_precision(np.array([0.9]), np.array([0]), 0.95) > 1


def test_index_ranks_excludes_and_drops_views():
    index = KnowledgeIndex(DOCS, (BagOfWords(),), alpha=1.5)
    result = index.search("I forgot the password for my login", "en")
    assert result.top.key == "reset-password" and len(result.features) == len(index.feature_names)
    assert result.candidates[0].score > result.candidates[1].score
    assert {"cos_bow", "bm25"} <= set(result.candidates[0].components)
    assert index.search("I forgot my password", "en", exclude=frozenset({"reset-password"})).top.key != "reset-password"
    smaller = index.without_views({1, 2})
    assert len(smaller.views) == len(index.views) - 2
    assert smaller.vectors["bow-test"].shape == (len(index.views) - 2, 64)


def test_lexical_only_index_and_empty_index():
    lexical = KnowledgeIndex(DOCS, ())
    assert lexical.search("download my invoice", "en").top.key == "download-invoice"
    assert lexical.feature_names == ("score", "margin", "bm25_log", "bm25_agrees")
    assert KnowledgeIndex((), ()).search("anything").top is None


def test_bootstrap_calibration_and_the_decision():
    index = KnowledgeIndex(DOCS, (BagOfWords(),))
    calibrator = calibrate_index(index)
    assert calibrator is not None and calibrator.samples >= 24 and calibrator.reliability
    assert calibrate_index(KnowledgeIndex(DOCS[:1], (BagOfWords(),))) is None  # too few questions

    good = decide(
        intent=detect_intent("how do I reset my password"),
        retrieval=index.search("how do I reset my password"),
        calibrator=calibrator,
        threshold=0.0,
    )
    assert good.resolve and good.article_key == "reset-password"
    strict = decide(
        intent=detect_intent("how do I reset my password"),
        retrieval=index.search("how do I reset my password"),
        calibrator=calibrator,
        threshold=1.0,
    )
    assert not strict.resolve and "< threshold 1.00" in strict.reason
    person = decide(intent=detect_intent("talk to a human"), retrieval=None, calibrator=calibrator, threshold=0.7)
    assert not person.resolve and not person.searched
    uncalibrated = decide(
        intent=detect_intent("reset password"), retrieval=index.search("reset password"), calibrator=None, threshold=0.7
    )
    assert not uncalibrated.resolve and "too few example questions" in uncalibrated.reason


def test_out_of_scope_examples_win_when_closest():
    docs = DOCS + (
        Document(OUT_OF_SCOPE, (View("can I pay with paypal", QUESTION, "en"), View("do you have an api", QUESTION, "en"))),
    )
    index = KnowledgeIndex(docs, (BagOfWords(),))
    result = index.search("can I pay my plan with paypal", "en")
    assert result.top.key == OUT_OF_SCOPE
    decision = decide(
        intent=detect_intent("can I pay with paypal"), retrieval=result, calibrator=calibrate_index(index), threshold=0.0
    )
    assert not decision.resolve and "must not answer" in decision.reason
