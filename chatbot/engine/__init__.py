"""The bot's engine: retrieval, confidence, intents and the answer/escalate decision.

Plain Python and numpy: no Django, no network. The Django side (``chatbot.knowledge``) feeds it
articles and stored vectors and records what it returns.
"""
