"""``otq report NAME`` / ``otq report list`` and ``otq documents list|request|receive``.

Services are imported inside the handlers so other commands stay fast; Textual is never
imported here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

FORMATS = ("table", "csv", "json")


def cmd_report(args: argparse.Namespace) -> int:
    """Print one report (or the list of reports)."""
    from otq.cli import open_session, print_json
    from otq.errors import OtqError
    from otq.services.reports import REPORTS, ReportParams, run_report
    from otq.services.reports.render import render

    if args.name == "list":
        if args.format == "json":
            print_json([{"name": d.name, "title": d.title, "description": d.description}
                        for d in REPORTS.values()])
        else:
            width = max(len(n) for n in REPORTS)
            for d in REPORTS.values():
                print(f"{d.name:<{width}}  {d.title}: {d.description}")
        return 0
    if args.name not in REPORTS:
        raise OtqError(f"no report '{args.name}'; reports are: {', '.join(REPORTS)}")
    if args.start and args.end and args.end < args.start:
        raise OtqError("--to is before --from")
    session = open_session(args)
    if args.payer and args.payer not in session.entities("payers"):
        raise OtqError(f"no payer '{args.payer}'; payers are: "
                       f"{', '.join(sorted(session.entities('payers')))}")
    report = run_report(session, args.name,
                        ReportParams(start=args.start, end=args.end, payer=args.payer))
    sys.stdout.write(render(report, args.format))
    return 0


def cmd_documents_list(args: argparse.Namespace) -> int:
    """Print the needed documents (missing ones unless --all)."""
    from otq.cli import open_session, print_json
    from otq.services.document_rules import load_requirements
    from otq.services.documents import document_needs, missing_documents
    from otq.services.reports import patient_name

    session = open_session(args)
    needs = sorted(document_needs(session).values(), key=lambda n: (n.needed_since, n.id)) \
        if args.all else missing_documents(session)
    kinds = load_requirements().kinds
    rows = []
    for n in needs:
        req = n.document.last_request if n.document else None
        rows.append({"id": n.id, "needed_since": n.needed_since.isoformat(),
                     "patient": patient_name(session, n.patient_id), "payer": n.payer_id,
                     "document": kinds[n.kind].title, "missing": n.missing,
                     "asked_of": req.to_whom if req else "", "asked_on":
                     req.on.isoformat() if req else "", "ask": n.ask,
                     "visits": len(n.visit_ids)})
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        asked = f"asked {r['asked_of']} {r['asked_on']}" if r["asked_on"] else f"ask {r['ask']}"
        print(f"{r['id']}  {r['needed_since']}  {r['document']:<16} {r['patient'][:20]:<20} "
              f"{r['payer']:<10} {asked}")
    print(f"{len(rows)} documents", file=sys.stderr)
    return 0


def cmd_documents_request(args: argparse.Namespace) -> int:
    """Record a request for a document."""
    from otq.cli import open_session
    from otq.services.documents import request_document

    doc = request_document(open_session(args), args.id, to_whom=args.to, how=args.how,
                           when=args.on)
    print(f"recorded: asked {doc.last_request.to_whom} by {doc.last_request.how} on "
          f"{doc.last_request.on}")
    return 0


def cmd_documents_receive(args: argparse.Namespace) -> int:
    """Record a document as received (optionally with its scanned copy)."""
    from otq.cli import open_session
    from otq.services.documents import receive_document

    session = open_session(args)
    doc = receive_document(session, args.id, received_on=args.on or session.today,
                           reference=args.reference, file_path=args.file,
                           period_start=args.period_from, period_end=args.period_to)
    where = f", copy documents/{doc.file_name}" if doc.file_name else ""
    print(f"recorded: received on {doc.received_on} (reference {doc.reference or '-'}{where})")
    return 0


def _store(p: argparse.ArgumentParser) -> None:
    from otq.cli import store_args

    store_args(p)


def register(sub: Any, add: Any) -> None:
    """Add ``otq report`` and ``otq documents``."""
    from otq.cli import _date

    p = add("report", cmd_report, "supervisor reports: aging, aging-trend, denials, "
            "clean-claims, productivity, code-usage, timely-filing, kx, queue-size "
            "(`otq report list`)")
    p.add_argument("name", help="the report, or 'list'")
    p.add_argument("--from", dest="start", type=_date, help="first date (YYYY-MM-DD)")
    p.add_argument("--to", dest="end", type=_date, help="last date (YYYY-MM-DD)")
    p.add_argument("--payer", help="only this payer id (e.g. medicare)")
    p.add_argument("--format", choices=FORMATS, default="table")
    _store(p)

    docs = add("documents", lambda a: _usage(docs), "documents each patient needs on file")
    dsub = docs.add_subparsers(dest="what", metavar="WHAT")
    p = dsub.add_parser("list", help="missing documents (--all: every needed one)")
    p.set_defaults(handler=cmd_documents_list)
    p.add_argument("--all", action="store_true")
    p.add_argument("--json", action="store_true")
    _store(p)
    p = dsub.add_parser("request", help="record that a document was requested")
    p.set_defaults(handler=cmd_documents_request)
    p.add_argument("id", help="the document id from `otq documents list`")
    p.add_argument("--to", required=True, help="whom it was requested from")
    p.add_argument("--how", required=True, help="fax, portal, phone, email, mail, in person, ehr")
    p.add_argument("--on", type=_date, help="when (default: today)")
    _store(p)
    p = dsub.add_parser("receive", help="record that a document came in")
    p.set_defaults(handler=cmd_documents_receive)
    p.add_argument("id", help="the document id from `otq documents list`")
    p.add_argument("--on", type=_date, help="received on (default: today)")
    p.add_argument("--reference", default="", help="fax id, letter number ...")
    p.add_argument("--file", type=Path, help="the scanned copy, copied beside the store")
    p.add_argument("--period-from", type=_date, help="first date the document covers")
    p.add_argument("--period-to", type=_date, help="last date the document covers")
    _store(p)


def _usage(p: argparse.ArgumentParser) -> int:
    p.print_help(sys.stderr)
    return 2
