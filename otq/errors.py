"""Errors a user can act on.

Every error otq shows a person is an ``OtqError``: it carries a short title and a
message that says what went wrong and what to do, and never a record's contents
(no PHI). Anything else reaching the top level is a bug and is reported as such,
without locals (see ``otq.cli``).
"""

from __future__ import annotations


class OtqError(Exception):
    """Base class for errors shown to the user as a message, not a traceback."""

    title = "otq error"
    exit_code = 2

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title:
            self.title = title

    def __str__(self) -> str:
        return self.message


class StoreMissingError(OtqError):
    """The store file does not exist and we were not asked to create it."""

    title = "No store"


class StoreCorruptError(OtqError):
    """The store file cannot be read; it is left untouched."""

    title = "Store unreadable"


class LockTimeoutError(OtqError):
    """Another session held the store lock for longer than we are willing to wait."""

    title = "Store busy"


class ConflictError(OtqError):
    """A change was based on a stale version of a record (compare-and-set refused)."""

    title = "Changed by someone else"

    def __init__(self, message: str, *, table: str = "", record_id: str = "",
                 changed_by: str = "", changed_at: str = "") -> None:
        super().__init__(message)
        self.table = table
        self.record_id = record_id
        self.changed_by = changed_by
        self.changed_at = changed_at


class StoreWriteError(OtqError):
    """The store could not be written (disk full, read-only...); nothing changed."""

    title = "Could not save"


class ValidationError(OtqError):
    """Input was refused. ``problems`` lists every problem as ``file:line:column: message``."""

    title = "Input refused"

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return self.message + "\n" + "\n".join(self.problems)


class ConfigError(OtqError):
    """A data or settings file (queue, theme, payer profile, roles) is wrong."""

    title = "Configuration error"


class PermissionDeniedError(OtqError):
    """The user's role does not allow this action."""

    title = "Not allowed"


class NotFoundError(OtqError):
    """A record named by the user does not exist."""

    title = "Not found"
