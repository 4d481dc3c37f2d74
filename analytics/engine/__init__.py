"""Pure engines for metrics and alerts."""
