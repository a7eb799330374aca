"""One router module per domain; each exports `router` and is included by the app factory."""
