"""The web service: FastAPI app factory, authentication, permissions, and one router per domain."""
