"""Adapters that read outside files (EHR exports) into plain, validated rows. No store access."""
