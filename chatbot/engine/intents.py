"""What the customer is doing, in Spanish or English: asking for a person, complaining, just
greeting or thanking, or asking about billing, a technical problem, their account or cancelling.

Vocabularies are matched on folded text (case and accents removed) at word boundaries. The
first four are *short-circuit* intents: the bot does not try to answer them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from routing.engine.text import fold

HUMAN_AGENT, URGENT, COMPLAINT, GREETING, THANKS = "human_agent", "urgent", "complaint", "greeting", "thanks"
CANCELLATION, BILLING, TECHNICAL, ACCOUNT, QUESTION = "cancellation", "billing", "technical", "account", "question"

VOCABULARY: dict[str, tuple[str, ...]] = {
    HUMAN_AGENT: (
        "hablar con una persona",
        "hablar con un humano",
        "hablar con alguien",
        "hablar con un agente",
        "hablar con un asesor",
        "quiero un agente",
        "quiero una persona",
        "agente humano",
        "persona real",
        "atencion humana",
        "pasame con",
        "paseme con",
        "operador",
        "speak to a human",
        "talk to a human",
        "speak to a person",
        "talk to a person",
        "speak to someone",
        "talk to someone",
        "real person",
        "human agent",
        "live agent",
        "speak to an agent",
        "talk to an agent",
        "customer service representative",
        "representative",
        "speak with a human",
        "speak with someone",
        "speak with an agent",
        "not a bot",
        "no quiero un bot",
    ),
    COMPLAINT: (
        "queja",
        "reclamacion",
        "reclamo",
        "inaceptable",
        "indignado",
        "indignada",
        "pesimo servicio",
        "muy mal servicio",
        "estoy harto",
        "estoy harta",
        "vergonzoso",
        "denunciar",
        "complaint",
        "complain",
        "unacceptable",
        "outrageous",
        "terrible service",
        "worst service",
        "disgusted",
        "fed up",
        "appalling",
    ),
    GREETING: (
        "hola",
        "buenos dias",
        "buenas tardes",
        "buenas noches",
        "buenas",
        "hello",
        "hi",
        "hey",
        "good morning",
        "good afternoon",
        "good evening",
    ),
    THANKS: (
        "gracias",
        "muchas gracias",
        "mil gracias",
        "te lo agradezco",
        "thanks",
        "thank you",
        "thx",
        "cheers",
        "much appreciated",
    ),
    CANCELLATION: (
        "cancelar",
        "cancelacion",
        "darme de baja",
        "dar de baja",
        "baja de la cuenta",
        "cerrar mi cuenta",
        "cancel",
        "cancellation",
        "close my account",
        "unsubscribe",
        "terminate",
    ),
    BILLING: (
        "factura",
        "facturacion",
        "cobro",
        "cargo",
        "reembolso",
        "pago",
        "tarjeta",
        "precio",
        "invoice",
        "billing",
        "charge",
        "charged",
        "refund",
        "payment",
        "receipt",
        "price",
        "plan",
    ),
    TECHNICAL: (
        "error",
        "no funciona",
        "no carga",
        "lento",
        "lenta",
        "lentitud",
        "lentisimo",
        "lentisima",
        "caido",
        "fallo",
        "bug",
        "crash",
        "not working",
        "slow",
        "down",
        "broken",
        "fails",
        "timeout",
    ),
    ACCOUNT: (
        "contrasena",
        "clave",
        "cuenta",
        "usuario",
        "iniciar sesion",
        "acceso",
        "correo",
        "password",
        "account",
        "login",
        "log in",
        "sign in",
        "username",
        "email",
        "e-mail",
    ),
}
SHORT_CIRCUIT = (HUMAN_AGENT, URGENT, COMPLAINT)
#: Words that carry no request on their own: a message made only of these is small talk.
_FILLER = frozenset(
    fold(w)
    for w in "a al el la de del y e o que por favor please so just ok okay vale bueno muy very much there team all equipo soporte support".split()
)


def _pattern(phrases: tuple[str, ...]) -> re.Pattern:
    alternatives = sorted((re.escape(fold(p)) for p in phrases), key=len, reverse=True)
    return re.compile(r"(?<!\w)(" + "|".join(alternatives) + r")(?!\w)")


_PATTERNS = {name: _pattern(phrases) for name, phrases in VOCABULARY.items()}
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Intent:
    name: str
    matched: tuple[str, ...] = ()
    #: Every intent whose vocabulary matched, for the record.
    all_matches: tuple[str, ...] = ()

    @property
    def short_circuits(self) -> bool:
        return self.name in SHORT_CIRCUIT or self.name in (GREETING, THANKS)


def detect_intent(text: str, *, urgent_terms: tuple[str, ...] = ()) -> Intent:
    """The deciding intent of a message. Asking for a person wins over everything, then an
    outage or urgency (``urgent_terms``: the priority engine's critical and urgent vocabulary
    found in the message, so supervisors keep one list), then a complaint; greeting or thanks
    only when nothing else is said."""
    folded = fold(text)
    hits = {name: tuple(dict.fromkeys(m.group(0) for m in pattern.finditer(folded))) for name, pattern in _PATTERNS.items()}
    hits = {name: found for name, found in hits.items() if found}
    if urgent_terms:
        hits = {**({HUMAN_AGENT: hits[HUMAN_AGENT]} if HUMAN_AGENT in hits else {}), URGENT: tuple(urgent_terms), **hits}
    matched_names = tuple(hits)
    for name in SHORT_CIRCUIT:
        if name in hits:
            return Intent(name, hits[name], matched_names)
    small_talk = {w for name in (GREETING, THANKS) for phrase in hits.get(name, ()) for w in phrase.split()}
    remaining = [w for w in _WORD.findall(folded) if w not in small_talk and w not in _FILLER]
    if not remaining and (GREETING in hits or THANKS in hits):
        name = THANKS if THANKS in hits else GREETING
        return Intent(name, hits[name], matched_names)
    for name in (CANCELLATION, BILLING, TECHNICAL, ACCOUNT):
        if name in hits:
            return Intent(name, hits[name], matched_names)
    return Intent(QUESTION, (), matched_names)
