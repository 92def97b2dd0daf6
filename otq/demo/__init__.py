"""The demo practice: a seeded, deterministic generator of realistic OT billing data."""
