"""otq: a terminal work-queue manager for occupational-therapy billers."""

__version__ = "0.1.0"
