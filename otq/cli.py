"""The ``otq`` command line. Parses argv and calls services; no business logic here.

Textual is imported only by the commands that open the TUI, so scripted commands such
as ``otq scrub`` start fast and never load it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pendulum

from otq import __version__
from otq.errors import OtqError
from otq.paths import default_store_path, demo_store_path

Handler = Callable[[argparse.Namespace], int]


def _date(text: str) -> pendulum.Date:
    try:
        parsed = pendulum.parse(text, exact=True)
    except Exception:  # noqa: BLE001 - pendulum raises several types for bad text
        raise argparse.ArgumentTypeError(f"'{text}' is not a date in YYYY-MM-DD form") from None
    if not isinstance(parsed, pendulum.Date) or isinstance(parsed, pendulum.DateTime):
        raise argparse.ArgumentTypeError(f"'{text}' is not a date in YYYY-MM-DD form")
    return parsed


def store_args(p: argparse.ArgumentParser, *, today: bool = True) -> None:
    """Add the ``--store`` (and ``--today``) options every command takes."""
    p.add_argument("--store", type=Path, help="store file (default: $OTQ_STORE or "
                   "~/.local/share/otq/store.json)")
    if today:
        p.add_argument("--today", type=_date, help="judge as of this date (YYYY-MM-DD)")


def open_session(args: argparse.Namespace, *, create: bool = False):
    """The session for a command's ``--store`` and ``--today``."""
    from otq.services.session import Session

    path = args.store or default_store_path()
    return Session.open(path, create=create, today=getattr(args, "today", None),
                        on_wait=lambda msg: print(f"otq: {msg}...", file=sys.stderr))


def terminal_args(p: argparse.ArgumentParser) -> None:
    """Add the terminal options of the commands that open the TUI."""
    p.add_argument("--ascii", action="store_true", default=None,
                   help="ASCII only (automatic when the locale isn't UTF-8)")
    p.add_argument("--low-bandwidth", action="store_true", default=None,
                   help="16 colours, quiet footer, fewer repaints (or set OTQ_LOW_BANDWIDTH)")
    p.add_argument("--theme", help="otq-dark, otq-light, otq-high-contrast, otq-ansi, otq-mono")


def print_json(data: object) -> None:
    """Print data as indented JSON (dates and money as strings)."""
    print(json.dumps(data, indent=2, default=str))


# ------------------------------------------------------------------ commands
def cmd_init(args: argparse.Namespace) -> int:
    from otq.services.setup import init_store

    path = args.store or default_store_path()
    init_store(path, practice_name=args.practice_name or "", practice_npi=args.practice_npi or "",
               practice_tin=args.practice_tin or "")
    print(f"created {path} with payers: medicare, medicaid, commercial")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from otq.demo.generator import generate_store

    if args.store.exists():
        raise OtqError(f"{args.store} already exists; generate never overwrites a store.")
    started = pendulum.now()
    today = args.today or pendulum.today().date()
    if args.size:
        from otq.demo.scale import generate_scale

        session, report = generate_scale(args.store, size=args.size, seed=args.seed, today=today)
        print(f"archived {report.closed_items} closed items: "
              + (", ".join(f"{y}: {n} records" for y, n in report.archives.items()) or "none"))
    else:
        session = generate_store(args.store, visits=args.visits, seed=args.seed, today=today)
    took = (pendulum.now() - started).total_seconds()
    print(f"generated {args.store}: {session.store.count('visits')} visits, "
          f"{session.store.count('patients')} patients, {session.store.count('claims')} claims "
          f"in {took:.1f} s")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    path = args.store or demo_store_path()
    if not path.exists():
        from otq.demo.generator import generate_store

        print(f"otq: creating a demo practice at {path} ...", file=sys.stderr)
        generate_store(path, visits=args.visits, seed=args.seed,
                       today=args.today or pendulum.today().date())
    args.store = path
    return _run_tui(args)


def cmd_tui(args: argparse.Namespace) -> int:
    return _run_tui(args)


def _run_tui(args: argparse.Namespace) -> int:
    # The screen paints the saved queue view at once and opens the store behind it
    # (otq.tui.loading); a store that isn't there is still reported before it opens.
    from otq.queue_defs import load_queue_specs
    from otq.services import queue_view
    from otq.store import current_user
    from otq.tui.app import run_tui  # lazy: only the TUI loads Textual
    from otq.tui.loading import Opening

    path = Path(args.store or default_store_path())
    if not path.exists():
        open_session(args)  # raises the "no otq store at ..." error
    specs = load_queue_specs()
    today = args.today or pendulum.today().date()
    view = queue_view.load(path, specs, today, queue_view.current_rules())
    opening = Opening(path, current_user(), lambda: open_session(args), view)
    run_tui(opening=opening, specs=specs, ascii=args.ascii, low_bandwidth=args.low_bandwidth,
            theme=args.theme)
    return 0


def cmd_import_visits(args: argparse.Namespace) -> int:
    from otq.services.imports import import_visits

    session = open_session(args)
    result = import_visits(session, args.file, dry_run=args.dry_run)
    print(result.summary() if hasattr(result, "summary") else result)
    return 0


def cmd_import_appointments(args: argparse.Namespace) -> int:
    from otq.services.eligibility import import_appointments

    r = import_appointments(open_session(args), args.file, dry_run=args.dry_run)
    verb = "would import" if r.dry_run else "imported"
    print(f"{verb} {args.file}: {r.created} new, {r.updated} updated, {r.unchanged} unchanged "
          f"appointments; {r.patients_created} new patients, {r.coverages_created} new coverages")
    return 0


def cmd_import_eligibility(args: argparse.Namespace) -> int:
    from otq.services.eligibility import import_eligibility

    r = import_eligibility(open_session(args), args.file, dry_run=args.dry_run)
    verb = "would record" if r.dry_run else "recorded"
    print(f"{verb} {args.file}: {r.active} active, {r.inactive} inactive, {r.rejected} rejected, "
          f"{r.retry} to retry later, {r.changed} changed since the last check")
    for note in r.notes:
        print(f"  {note}")
    return 0


def cmd_export_eligibility(args: argparse.Namespace) -> int:
    from otq.services.eligibility import export_eligibility

    r = export_eligibility(open_session(args), args.out, days=args.days)
    if not r.requests:
        print("nothing pending: no 270 written")
    else:
        print(f"wrote {r.path}: {r.requests} eligibility requests "
              f"(interchange {r.interchange_control_number})")
    return 0


def cmd_queues_list(args: argparse.Namespace) -> int:
    from otq.queue_defs import load_queue_specs
    from otq.services.queues import queue_counts

    session = open_session(args)
    specs = load_queue_specs()
    counts = queue_counts(session, specs)
    rows = [{"id": s.id, "title": s.title, "key": s.key, "count": counts[s.id]} for s in specs]
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            print(f"{r['key']:>2}  {r['id']:<12} {r['title']:<22} {r['count']:>7}")
    return 0


def cmd_queues_check(args: argparse.Namespace) -> int:
    from otq.queue_defs import read_queue_files
    from otq.services.queues import check_queues

    specs, problems = read_queue_files(args.folder)
    problems += check_queues(specs)
    for p in problems:
        print(p)
    if not problems:
        print(f"{len(specs)} queue files, no problems")
    return 1 if problems else 0


def cmd_queue_show(args: argparse.Namespace) -> int:
    from otq.queue_defs import load_queue_specs
    from otq.services.queue_filter import apply_filter
    from otq.services.queues import queue_rows

    session = open_session(args)
    specs = {s.id: s for s in load_queue_specs()}
    if args.id not in specs:
        raise OtqError(f"no queue '{args.id}'; queues are: {', '.join(specs)}")
    spec = specs[args.id]
    rows = queue_rows(session, spec)
    if args.filter:
        rows, problems = apply_filter(rows, args.filter, session.user)
        for p in problems:
            print(f"otq: filter: {p}", file=sys.stderr)
    if args.json:
        print_json([{"id": r.subject_id, "type": r.subject_type, "assignee": r.assignee,
                      **{c.id: v for c, v in zip(spec.columns, r.cells, strict=True)}}
                     for r in rows])
        return 0
    widths = [c.width for c in spec.columns]
    print("  ".join(c.title[:w].ljust(w) for c, w in zip(spec.columns, widths, strict=True)))
    for r in rows:
        print("  ".join(v[:w].ljust(w) for v, w in zip(r.cells, widths, strict=True)))
    print(f"{len(rows)} items", file=sys.stderr)
    return 0


def cmd_scrub(args: argparse.Namespace) -> int:
    from otq.services.scrub_report import findings_json, format_finding_line, scrub_store

    session = open_session(args)
    rows = scrub_store(session, args.visit)
    if args.json:
        print_json(findings_json(rows))
    else:
        for visit, finding in rows:
            print(format_finding_line(visit, finding))
    return 1 if any(f.is_error for _, f in rows) else 0


def cmd_check_store(args: argparse.Namespace) -> int:
    from otq.store.check import check_store

    path = args.store or default_store_path()
    problems = check_store(path)
    for p in problems:
        print(p)
    print(f"{path}: {'OK' if not problems else f'{len(problems)} problem(s)'}")
    return 1 if problems else 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from otq.store.audit import AuditLog

    path = args.store or default_store_path()
    ok, message = AuditLog(path.with_name(path.name + ".audit.jsonl")).verify()
    print(message)
    return 0 if ok else 1


# -------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used to document the CLI in the README)."""
    parser = argparse.ArgumentParser(prog="otq", description="Work queues for OT billers.")
    parser.add_argument("--version", action="version", version=f"otq {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, handler: Handler, help_: str, **kw) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_, **kw)
        p.set_defaults(handler=handler)
        return p

    p = add("init", cmd_init, "create an empty store seeded with the three payers")
    store_args(p, today=False)
    p.add_argument("--practice-name")
    p.add_argument("--practice-npi")
    p.add_argument("--practice-tin")

    p = add("demo", cmd_demo, "open the TUI on a generated demo practice (created if missing)")
    store_args(p)
    terminal_args(p)
    p.add_argument("--visits", type=int, default=2000)
    p.add_argument("--seed", type=int, default=7)

    p = add("generate", cmd_generate, "write a generated practice store without opening it")
    p.add_argument("--store", type=Path, required=True)
    p.add_argument("--visits", type=int, default=2000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--today", type=_date)
    p.add_argument("--size", choices=("100k", "50k+500k"),
                   help="a scale store instead: 100,000 open items, or 50,000 open items "
                        "and 500,000 closed ones in yearly archives")

    p = add("tui", cmd_tui, "open the work queues")
    store_args(p)
    terminal_args(p)

    imp = add("import", lambda a: _usage(imp), "import data: visits, appointments, eligibility")
    isub = imp.add_subparsers(dest="what", metavar="WHAT")
    p = isub.add_parser("visits", help="import visits from an EHR CSV export")
    p.set_defaults(handler=cmd_import_visits)
    p.add_argument("file", type=Path)
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    store_args(p)

    p = isub.add_parser("appointments", help="import upcoming appointments from a CSV schedule")
    p.set_defaults(handler=cmd_import_appointments)
    p.add_argument("file", type=Path)
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    store_args(p)
    p = isub.add_parser("eligibility", help="record X12 271 eligibility responses")
    p.set_defaults(handler=cmd_import_eligibility)
    p.add_argument("file", type=Path)
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    store_args(p)

    exp = add("export", lambda a: _usage(exp), "export data: eligibility")
    esub = exp.add_subparsers(dest="what", metavar="WHAT")
    p = esub.add_parser("eligibility", help="write an X12 270 for the pending-eligibility queue")
    p.set_defaults(handler=cmd_export_eligibility)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--days", type=int, default=7, help="look this many days ahead (default 7)")
    store_args(p)

    qs = add("queues", lambda a: _usage(qs), "list or check the queue definitions")
    qsub = qs.add_subparsers(dest="what", metavar="WHAT")
    p = qsub.add_parser("list", help="each queue with its item count")
    p.set_defaults(handler=cmd_queues_list)
    p.add_argument("--json", action="store_true")
    store_args(p)
    p = qsub.add_parser("check", help="validate queues/*.toml")
    p.set_defaults(handler=cmd_queues_check)
    p.add_argument("--folder", type=Path, help="folder of queue files (default: the bundled ones)")

    q = add("queue", lambda a: _usage(q), "show one queue")
    q_sub = q.add_subparsers(dest="what", metavar="WHAT")
    p = q_sub.add_parser("show", help="the items of a queue")
    p.set_defaults(handler=cmd_queue_show)
    p.add_argument("id")
    p.add_argument("--json", action="store_true")
    p.add_argument("--filter", default="", help="filter text as typed after / in the TUI")
    store_args(p)

    p = add("scrub", cmd_scrub, "check visits against every billing rule (exit 1 on errors)")
    store_args(p)
    p.add_argument("--visit", help="only this visit (the EHR visit_id)")
    p.add_argument("--json", action="store_true")

    p = add("check-store", cmd_check_store, "check the store file and its audit chain")
    store_args(p, today=False)

    au = add("audit", lambda a: _usage(au), "the audit log")
    asub = au.add_subparsers(dest="what", metavar="WHAT")
    p = asub.add_parser("verify", help="verify the audit hash chain")
    p.set_defaults(handler=cmd_audit_verify)
    store_args(p, today=False)

    from otq.commands import register_all

    register_all(sub, add)
    return parser


def _usage(p: argparse.ArgumentParser) -> int:
    p.print_help(sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    """Run otq; returns the exit code. Errors are messages, never tracebacks."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        args = parser.parse_args(["tui", *(argv if argv is not None else sys.argv[1:])])
    try:
        return args.handler(args)
    except OtqError as exc:
        print(f"otq: {exc.title}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback, no PHI
        from otq.crash import crash_message

        print(f"otq: {crash_message(exc)}", file=sys.stderr)
        return 70
