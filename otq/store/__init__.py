"""Persistence: the only package that imports TinyDB."""

from otq.store.changes import Delete, Put
from otq.store.codec import decode, encode
from otq.store.tinydb_store import Store, current_user

__all__ = ["Delete", "Put", "Store", "current_user", "decode", "encode"]
