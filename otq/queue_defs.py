"""Queue definitions are data: ``queues/*.toml``, one file per queue.

Each file declares an id, a title, the switch key, the entity it lists, the registered
filter predicates that select its rows, the sort, the columns and the allowed actions.
This module only reads and checks the files; what the names mean is registered by the
services layer (``otq.services.queues``), which passes its registries to ``check``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from otq.errors import ConfigError
from otq.paths import bundled_dir

ENTITIES = ("coverage", "visit", "claim", "denial", "document")


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a queue table. ``priority`` 1 columns always show; higher ones drop first
    when the terminal is narrow, so nothing essential is hidden at 80 columns."""

    id: str
    title: str
    width: int
    priority: int = 1
    align: str = "left"


@dataclass(frozen=True)
class QueueSpec:
    """A work queue as declared in its TOML file."""

    id: str
    title: str
    key: str
    order: int
    entity: str
    filters: tuple[str, ...]
    sort: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    actions: tuple[str, ...]
    description: str = ""
    source: str = ""
    short: str = ""  # a few letters for the tab line on narrow terminals ("Elig")


_REQUIRED = ("id", "title", "entity", "columns")


def _spec_from(path: Path, data: dict, problems: list[str]) -> QueueSpec | None:
    where = path.name
    for key in _REQUIRED:
        if key not in data:
            problems.append(f"{where}: missing required key '{key}'")
    if any(k not in data for k in _REQUIRED):
        return None
    columns = []
    for i, col in enumerate(data.get("columns", [])):
        if not isinstance(col, dict) or "id" not in col:
            problems.append(f"{where}: columns[{i}]: needs at least an 'id'")
            continue
        width = col.get("width", 10)
        if not isinstance(width, int) or not 1 <= width <= 80:
            problems.append(f"{where}: columns[{i}].width: must be a whole number 1-80")
            width = 10
        align = col.get("align", "left")
        if align not in ("left", "right"):
            problems.append(f"{where}: columns[{i}].align: must be 'left' or 'right'")
        columns.append(ColumnSpec(id=str(col["id"]), title=str(col.get("title", col["id"])),
                                  width=width, priority=int(col.get("priority", 1)), align=align))
    if data["entity"] not in ENTITIES:
        problems.append(f"{where}: entity: '{data['entity']}' is not one of {', '.join(ENTITIES)}")
    order = data.get("order", 99)
    if not isinstance(order, int):
        problems.append(f"{where}: order: must be a whole number")
        order = 99
    return QueueSpec(
        id=str(data["id"]), title=str(data["title"]), key=str(data.get("key", "")),
        order=order, entity=str(data["entity"]),
        filters=tuple(str(f) for f in data.get("filters", [])),
        sort=tuple(str(s) for s in data.get("sort", [])), columns=tuple(columns),
        actions=tuple(str(a) for a in data.get("actions", [])),
        description=str(data.get("description", "")), source=str(path),
        short=str(data.get("short", "")) or str(data["title"]).split()[0][:6],
    )


def read_queue_files(folder: Path | None = None) -> tuple[list[QueueSpec], list[str]]:
    """Every queue spec in ``folder`` plus the problems found while reading (file: key: what)."""
    folder = folder or bundled_dir("queues")
    specs, problems = [], []
    for path in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(f"{path.name}: not valid TOML: {exc}")
            continue
        spec = _spec_from(path, data, problems)
        if spec is not None:
            specs.append(spec)
    seen: dict[str, str] = {}
    for spec in specs:
        if spec.id in seen:
            problems.append(f"{Path(spec.source).name}: id: '{spec.id}' is also used by {seen[spec.id]}")
        seen.setdefault(spec.id, Path(spec.source).name)
    specs.sort(key=lambda s: (s.order, s.id))
    return specs, problems


def check(specs: list[QueueSpec], *, filters: Collection[str], columns: dict[str, Collection[str]],
          actions: Collection[str]) -> list[str]:
    """Problems with names the registries don't know (file: key: what)."""
    problems = []
    keys: dict[str, str] = {}
    for spec in specs:
        where = Path(spec.source).name
        for name in spec.filters:
            if name not in filters:
                problems.append(f"{where}: filters: unknown filter '{name}'")
        known_cols = columns.get(spec.entity, ())
        col_ids = {c.id for c in spec.columns}
        for col in spec.columns:
            if col.id not in known_cols:
                problems.append(f"{where}: columns: unknown column '{col.id}' for {spec.entity}")
        for s in spec.sort:
            if s.lstrip("-") not in col_ids:
                problems.append(f"{where}: sort: '{s}' is not one of the queue's columns")
        for a in spec.actions:
            if a not in actions:
                problems.append(f"{where}: actions: unknown action '{a}'")
        if spec.key:
            if spec.key in keys:
                problems.append(f"{where}: key: '{spec.key}' is also used by {keys[spec.key]}")
            keys[spec.key] = where
    return problems


def load_queue_specs(folder: Path | None = None) -> list[QueueSpec]:
    """The queue specs, or ConfigError listing every reading problem."""
    specs, problems = read_queue_files(folder)
    if problems:
        raise ConfigError("queue definitions have problems:\n" + "\n".join(problems))
    return specs
