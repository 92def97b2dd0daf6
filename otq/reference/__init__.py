"""Reference data shipped as editable data files, and their loaders.

Loaders validate the files and raise ``ConfigError`` naming the file and key, so a
typo in a payer profile is reported rather than silently ignored.
"""

from otq.reference.catalogue import Reference, load_reference

__all__ = ["Reference", "load_reference"]
