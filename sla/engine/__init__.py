"""Service-level engines: business-time clocks, policy matching and SLA states. Pure Python."""
