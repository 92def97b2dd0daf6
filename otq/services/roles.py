"""Who may do what: roles from ``<store>.roles.toml`` and the ``require`` check services call.

The roles file sits beside the store, so every session on a shared store sees the same
roles. It maps OS users and OS groups to a role and lists each biller's payer skills::

    idle_lock_minutes = 10            # lock idle screens after this long (0: never)

    [users]
    ann = "biller"                    # short form
    sue = { role = "supervisor" }
    [users.bob]
    role = "biller"
    payers = ["medicare", "medicaid"] # payer skills; none listed: any payer

    [groups]
    otq-admins = "admin"

Roles rise in power: ``readonly`` < ``biller`` < ``supervisor`` < ``admin``. A user named
in ``[users]`` has that role; otherwise the highest role of any group they belong to;
otherwise read-only. A store without a roles file has not been set up for a team yet:
everyone has full access there (one person's own store), and the status line says so.
"""

from __future__ import annotations

import grp
import os
import pwd
import tomllib
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

from otq.errors import ConfigError, PermissionDeniedError
from otq.services.session import Session


class Role(IntEnum):
    """A role; a higher value may do everything a lower one may."""

    READONLY = 0
    BILLER = 1
    SUPERVISOR = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        """The role's name as written in the roles file."""
        return self.name.lower()


#: The least role each action needs. Services name these in ``require``.
ACTIONS: dict[str, Role] = {
    "view": Role.READONLY,
    "claim": Role.BILLER,
    "note": Role.BILLER,
    "snooze": Role.BILLER,
    "code": Role.BILLER,
    "work": Role.BILLER,          # any other change to a queue item (denials, documents...)
    "assign": Role.SUPERVISOR,
    "bulk": Role.SUPERVISOR,
    "rebalance": Role.SUPERVISOR,
    "board": Role.SUPERVISOR,
    "supervisor": Role.SUPERVISOR,  # e.g. a write-off over the limit (services.supervision)
    "admin": Role.ADMIN,
}
_NAMES = {r.label: r for r in Role}
DEFAULT_IDLE_LOCK_MINUTES = 10


@dataclass(frozen=True)
class UserEntry:
    """One ``[users]`` entry."""

    role: Role
    payers: tuple[str, ...] = ()


@dataclass(frozen=True)
class RolesFile:
    """The parsed roles file. ``configured`` is False when the store has none."""

    path: Path
    users: dict[str, UserEntry] = field(default_factory=dict)
    groups: dict[str, Role] = field(default_factory=dict)
    idle_lock_minutes: int = DEFAULT_IDLE_LOCK_MINUTES
    configured: bool = True


def roles_path(store_path: Path | str) -> Path:
    """``<store>.roles.toml`` beside the store."""
    p = Path(store_path)
    return p.with_name(p.name + ".roles.toml")


def _role(value: Any, where: str, problems: list[str]) -> Role | None:
    if isinstance(value, str) and value.lower() in _NAMES:
        return _NAMES[value.lower()]
    problems.append(f"{where}: '{value}' is not a role (use {', '.join(_NAMES)})")
    return None


def parse_roles(data: dict[str, Any], path: Path) -> RolesFile:
    """The roles in ``data`` (a parsed TOML table); ConfigError naming each bad key."""
    problems: list[str] = []
    users: dict[str, UserEntry] = {}
    for name, value in (data.get("users") or {}).items():
        where = f"{path}: users.{name}"
        if isinstance(value, dict):
            role = _role(value.get("role"), f"{where}.role", problems)
            payers = value.get("payers", [])
            if not isinstance(payers, list) or not all(isinstance(p, str) for p in payers):
                problems.append(f"{where}.payers: must be a list of payer ids")
                payers = []
            unknown = set(value) - {"role", "payers"}
            if unknown:
                problems.append(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        else:
            role, payers = _role(value, where, problems), []
        if role is not None:
            users[name] = UserEntry(role, tuple(p.lower() for p in payers))
    groups: dict[str, Role] = {}
    for name, value in (data.get("groups") or {}).items():
        role = _role(value, f"{path}: groups.{name}", problems)
        if role is not None:
            groups[name] = role
    minutes = data.get("idle_lock_minutes", DEFAULT_IDLE_LOCK_MINUTES)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= 1440:
        problems.append(f"{path}: idle_lock_minutes: a whole number of minutes, 0 to 1440")
        minutes = DEFAULT_IDLE_LOCK_MINUTES
    unknown = set(data) - {"users", "groups", "idle_lock_minutes"}
    if unknown:
        problems.append(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
    if problems:
        raise ConfigError("the roles file has problems:\n" + "\n".join(problems))
    return RolesFile(path, users, groups, minutes)


_CACHE: dict[Path, tuple[tuple[int, int], RolesFile]] = {}


def load_roles(store_path: Path | str) -> RolesFile:
    """The roles file of a store (re-read when it changes on disk)."""
    path = roles_path(store_path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return RolesFile(path, configured=False)
    stamp = (st.st_mtime_ns, st.st_size)
    hit = _CACHE.get(path)
    if hit and hit[0] == stamp:
        return hit[1]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from None
    roles = parse_roles(data, path)
    _CACHE[path] = (stamp, roles)
    return roles


def user_groups(user: str) -> set[str]:
    """The OS groups ``user`` belongs to (primary and supplementary); empty if unknown."""
    try:
        pw = pwd.getpwnam(user)
    except KeyError:
        return set()
    names = set()
    for gid in os.getgrouplist(user, pw.pw_gid):
        try:
            names.add(grp.getgrgid(gid).gr_name)
        except KeyError:
            continue
    return names


def role_for(roles: RolesFile, user: str) -> Role:
    """A user's role: by name, else their best group's, else read-only."""
    if not roles.configured:
        return Role.ADMIN
    if user in roles.users:
        return roles.users[user].role
    mine = user_groups(user) & set(roles.groups)
    return max((roles.groups[g] for g in mine), default=Role.READONLY)


def session_role(session: Session) -> Role:
    """The role of the session's user."""
    return role_for(load_roles(session.store.path), session.user)


def can(session: Session, action: str) -> bool:
    """True when the session's user may take ``action`` (a key of ``ACTIONS``)."""
    return session_role(session) >= ACTIONS[action]


def require(session: Session, action: str) -> None:
    """Refuse with ``PermissionDeniedError`` unless the user's role allows ``action``."""
    need = ACTIONS[action]
    roles = load_roles(session.store.path)
    if not roles.configured and action == "supervisor":
        # No team set up yet: the store's EDI settings still name who approves large
        # write-offs (see services.supervision), so "full access" does not skip that.
        from otq.services.edi_settings import load_edi_settings

        edi = load_edi_settings(session.store.path)
        if session.user not in edi.supervisors:
            raise PermissionDeniedError(
                f"a supervisor must do this (supervisors are listed in {edi.path}, or set "
                f"roles in {roles.path.name})")
        return
    role = role_for(roles, session.user)
    if role < need:
        raise PermissionDeniedError(
            f"{session.user} is {_article(role.label)} {role.label}; to {action.replace('_', ' ')} "
            f"you need to be {_article(need.label)} {need.label} (roles are set in "
            f"{roles_path(session.store.path).name})")


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def role_label(session: Session) -> str:
    """What the status line shows after the user name: ``biller``, or a note that no
    roles file exists yet."""
    roles = load_roles(session.store.path)
    if not roles.configured:
        return "no roles file"
    return role_for(roles, session.user).label


@dataclass(frozen=True)
class Worker:
    """Someone who can hold work: their name, role and payer skills (empty: any payer)."""

    name: str
    role: Role
    payers: tuple[str, ...] = ()

    def can_work(self, payer_id: str) -> bool:
        """True when this person may take items of ``payer_id``."""
        return not self.payers or payer_id.lower() in self.payers


def workers(session: Session, *, include_supervisors: bool = True) -> list[Worker]:
    """Everyone who may hold items: named billers and supervisors, and the members of
    biller/supervisor groups, sorted by name. Admins only when named as workers."""
    roles = load_roles(session.store.path)
    if not roles.configured:
        return []
    top = Role.SUPERVISOR if include_supervisors else Role.BILLER
    out: dict[str, Worker] = {}
    for group, role in roles.groups.items():
        if not Role.BILLER <= role <= top:
            continue
        try:
            members = grp.getgrnam(group).gr_mem
        except KeyError:
            continue
        for member in members:
            if member not in roles.users:
                out[member] = Worker(member, max(role, out[member].role) if member in out
                                     else role)
    for name, entry in roles.users.items():
        if Role.BILLER <= entry.role <= top:
            out[name] = Worker(name, entry.role, entry.payers)
    return sorted(out.values(), key=lambda w: w.name)


def idle_lock_minutes(store_path: Path | str, user_setting: int | None = None) -> int:
    """Minutes of idleness before the screen locks (0: never).

    The roles file of the store at ``store_path`` sets the team's limit; a user's own
    setting may only shorten it. (A path, not a session: the TUI needs it before the
    store has loaded.)
    """
    team = load_roles(store_path).idle_lock_minutes
    if user_setting is None:
        return team
    if team == 0:
        return user_setting
    return min(team, user_setting) if user_setting else team
