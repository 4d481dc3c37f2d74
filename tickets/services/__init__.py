"""Ticket use cases, one module per topic. Each owns its transaction and writes the ticket's history.

Import from the submodules (``tickets.services.status`` …); this package imports nothing so that
``agents.services`` and ``tickets.services`` can use each other's helpers without a cycle.
"""
