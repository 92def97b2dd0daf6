"""Who may approve what: the supervisor check for large write-offs.

When the team-work roles file exists (``otq.services.roles``) its ``require`` decides.
Until then, and for stores without a roles file, the store's EDI settings list the
supervisors (``[denials] supervisors``) and set the limit (``write_off_limit``).
"""

from __future__ import annotations

import importlib
from decimal import Decimal

from otq.errors import PermissionDeniedError
from otq.services.edi_settings import load_edi_settings
from otq.services.session import Session


def require_supervisor(session: Session, amount: Decimal, what: str) -> None:
    """Refuse with ``PermissionDeniedError`` when ``amount`` is over the write-off limit
    and the user is not a supervisor."""
    settings = load_edi_settings(session.store.path)
    if amount <= settings.write_off_limit:
        return
    try:
        roles = importlib.import_module("otq.services.roles")
    except ImportError:
        roles = None
    require = getattr(roles, "require", None)
    if require is not None:
        require(session, "supervisor")
        return
    if session.user not in settings.supervisors:
        raise PermissionDeniedError(
            f"{what} of {amount} is over the write-off limit of {settings.write_off_limit}: "
            f"a supervisor must do it (supervisors are listed in {settings.path})")
