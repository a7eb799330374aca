"""hotline: an open, self-hosted contact-center and case platform for public-service hotlines."""

__version__ = "0.1.0"
