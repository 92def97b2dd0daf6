"""Claims out, remittances in, and the denials workbench on the command line.

* ``otq export claims --out FILE [--payer ID] [--dry-run]``: the ready claims as an 837P
* ``otq import era FILE.835 [--dry-run]``: post an 835 remittance
* ``otq denials list|show|appeal|write-off|bill|resubmit|reopening|note``
* ``otq claims replace|void CLAIM``: frequency 7 / 8 for an adjudicated claim
* ``otq remits unmatched``: 835 lines and claims that matched nothing

Handlers import services lazily, so ``otq --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def _subparsers(parser: argparse.ArgumentParser) -> Any:
    """The sub-command action of an existing command (``export``, ``import``)."""
    for action in parser._actions:  # argparse keeps no public handle on it
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def _usage(p: argparse.ArgumentParser) -> int:
    p.print_help(sys.stderr)
    return 2


def _cli():
    from otq import cli

    return cli


def _claim_id(session, ref: str) -> str:
    """A claim by id or patient control number (the most recent claim of that number)."""
    from otq.errors import NotFoundError

    claims = session.entities("claims")
    if ref in claims:
        return ref
    same = [c for c in claims.values() if c.patient_control_number == ref]
    if not same:
        raise NotFoundError(f"no claim {ref}")
    return max(same, key=lambda c: (c.submitted_at, c.frequency, c.id)).id


def cmd_export_claims(args: argparse.Namespace) -> int:
    """Write the ready claims as an 837P batch (or a settings template)."""
    from otq.services.claims_export import export_claims
    from otq.services.edi_settings import settings_path, settings_template

    cli = _cli()
    session = cli.open_session(args)
    if args.write_settings:
        path = settings_path(session.store.path)
        if path.exists():
            print(f"otq: {path} already exists; edit it", file=sys.stderr)
            return 1
        practice = next(iter(sorted(session.entities("practices").values(),
                                    key=lambda p: p.id)), None)
        path.write_text(settings_template(practice.name if practice else "",
                                          practice.npi if practice else ""), encoding="utf-8")
        print(f"wrote {path}: fill in contact_phone and your clearinghouse ids")
        return 0
    if args.out is None:
        print("otq: export claims needs --out FILE", file=sys.stderr)
        return 2
    r = export_claims(session, args.out, payer=args.payer, dry_run=args.dry_run)
    split = ", ".join(f"{p} {n} ({t:,.2f})" for p, (n, t) in r.by_payer.items())
    verb = "would write" if r.dry_run else "wrote"
    print(f"{verb} {r.path}: batch {r.batch_id}, {r.claims} claims, {r.total_charge:,.2f} "
          f"charged ({split}); ISA13 {r.interchange_control_number:09d}")
    return 0


def cmd_import_era(args: argparse.Namespace) -> int:
    """Post an 835."""
    from otq.services.remittance import import_era

    cli = _cli()
    r = import_era(cli.open_session(args), args.file, dry_run=args.dry_run)
    if args.json:
        cli.print_json(r.__dict__)
        return 0
    verb = "would post" if r.dry_run else "posted"
    print(f"{r.file}: {verb} {r.claims_posted} claims in {r.payments} payment(s), paid "
          f"{r.paid:,.2f}; {r.denials} new denials, {r.closed_denials} closed; "
          f"{r.unmatched} unmatched; provider adjustments {r.provider_adjustments:,.2f}")
    if r.already_posted:
        print(f"{r.already_posted} payment(s) in this file were posted before: skipped")
    return 0


def cmd_denials_list(args: argparse.Namespace) -> int:
    """The open denials, as the queue sorts them."""
    from otq.services.denials import denial_view

    cli = _cli()
    session = cli.open_session(args)
    views = [denial_view(session, d.id) for d in session.entities("denials").values()
             if d.status.value == "open"]
    views.sort(key=lambda v: (v.denial.deadline or v.denial.denied_on, -v.denial.amount))
    if args.json:
        cli.print_json([{"id": v.denial.id, "payer": v.denial.payer_id,
                         "claim": v.claim.patient_control_number if v.claim else "",
                         "reason": f"{v.denial.group_code}-{v.denial.carc}",
                         "meaning": v.carc_text, "rarcs": dict(v.rarcs),
                         "amount": v.denial.amount, "next_action": v.denial.next_action,
                         "deadline": v.denial.deadline, "aging": v.bucket} for v in views])
        return 0
    for v in views:
        d = v.denial
        print(f"{d.deadline or '-'}  {d.id[:8]}  {d.payer_id:<10} {d.group_code}-{d.carc:<4} "
              f"{d.amount:>9,.2f}  {v.action_label:<32} {v.bucket}")
    print(f"{len(views)} open denials", file=sys.stderr)
    return 0


def _denial_id(session, ref: str) -> str:
    from otq.errors import NotFoundError

    hits = [d for d in session.entities("denials") if d.startswith(ref)]
    if len(hits) != 1:
        raise NotFoundError(f"no single denial starts with {ref!r}")
    return hits[0]


def cmd_denial_action(args: argparse.Namespace) -> int:
    """One action on one denial."""
    from otq.services import denials as D

    cli = _cli()
    session = cli.open_session(args)
    did = _denial_id(session, args.denial)
    if args.what == "show":
        v = D.denial_view(session, did)
        d = v.denial
        print(f"{v.payer_name}: {d.group_code}-{d.carc} {v.carc_text}\n  {v.group_text}")
        for code, text in v.rarcs:
            print(f"  {code}: {text}")
        print(f"amount {d.amount:,.2f}; next: {v.action_label} by {d.deadline or '-'}"
              f" ({d.why}); {v.age_days} days old ({v.bucket}); status {d.status.value}")
        for h in d.history:
            print(f"  {h.at[:16].replace('T', ' ')} {h.by}: {h.what}")
        return 0
    if args.what == "appeal":
        r = D.appeal(session, did, level=args.level)
        print(f"appeal level {r.level} recorded; deadline {r.deadline or '-'}; letter {r.letter}")
    elif args.what == "write-off":
        D.write_off(session, did, reason=args.reason, confirm=args.yes)
        print("written off")
    elif args.what == "bill":
        D.bill(session, did, to=args.to)
        print(f"billed the {args.to}")
    elif args.what == "resubmit":
        c = D.resubmit(session, did)
        print(f"claim {c.patient_control_number} (frequency {c.frequency}) is ready to submit")
    elif args.what == "reopening":
        D.record_reopening(session, did, reference=args.reference)
        print("reopening recorded")
    elif args.what == "note":
        D.add_note(session, did, args.text)
        print("note added")
    return 0


def cmd_claim_correct(args: argparse.Namespace) -> int:
    """Queue a replacement (7) or void (8) of an adjudicated claim."""
    from otq.services.claim_corrections import queue_replacement, void_claim

    cli = _cli()
    session = cli.open_session(args)
    cid = _claim_id(session, args.claim)
    c = queue_replacement(session, cid) if args.what == "replace" else void_claim(session, cid)
    print(f"claim {c.patient_control_number} frequency {c.frequency} is ready to submit")
    return 0


def cmd_unmatched(args: argparse.Namespace) -> int:
    """835 claims and lines that matched nothing."""
    cli = _cli()
    rows = [r for r in cli.open_session(args).store.all("unmatched_remits")
            if not r.get("resolved")]
    if args.json:
        cli.print_json(rows)
        return 0
    for r in rows:
        print(f"{r['file']} segment {r['segment_number']} line {r['line']}: {r['level']} "
              f"{r['patient_control_number']} {r.get('code', '')} paid {r['paid']}: {r['reason']}")
    print(f"{len(rows)} unmatched", file=sys.stderr)
    return 0


def register(sub: Any, add: Any) -> None:
    """Add ``export claims``, ``import era``, ``denials``, ``claims`` and ``remits``."""
    store_args = _cli().store_args
    exp = _subparsers(sub.choices["export"]) if "export" in sub.choices else None
    if exp is not None:
        p = exp.add_parser("claims", help="write the ready claims as an X12 837P batch")
        p.set_defaults(handler=cmd_export_claims)
        p.add_argument("--out", type=Path)
        p.add_argument("--payer", help="only this payer's claims (payer id)")
        p.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        p.add_argument("--write-settings", action="store_true",
                       help="write a <store>.edi.toml template to fill in")
        store_args(p)
    imp = _subparsers(sub.choices["import"]) if "import" in sub.choices else None
    if imp is not None:
        p = imp.add_parser("era", help="post an X12 835 remittance")
        p.set_defaults(handler=cmd_import_era)
        p.add_argument("file", type=Path)
        p.add_argument("--dry-run", action="store_true", help="check and report, post nothing")
        p.add_argument("--json", action="store_true")
        store_args(p)
    den = add("denials", lambda a: _usage(den), "the open-denials workbench")
    dsub = den.add_subparsers(dest="what", metavar="WHAT")
    p = dsub.add_parser("list", help="open denials by deadline, then amount")
    p.set_defaults(handler=cmd_denials_list)
    p.add_argument("--json", action="store_true")
    store_args(p)
    for name, help_ in (("show", "one denial with its meaning and history"),
                        ("appeal", "record an appeal and write a letter draft"),
                        ("write-off", "write the amount off"),
                        ("bill", "bill the secondary payer or the patient"),
                        ("resubmit", "queue the corrected claim (frequency 7 or new)"),
                        ("reopening", "record a reopening asked of the payer"),
                        ("note", "add a note")):
        p = dsub.add_parser(name, help=help_)
        p.set_defaults(handler=cmd_denial_action)
        p.add_argument("denial", help="denial id (or its first characters)")
        if name == "appeal":
            p.add_argument("--level", type=int)
        if name == "write-off":
            p.add_argument("--reason", required=True)
            p.add_argument("--yes", action="store_true", help="confirm the write-off")
        if name == "bill":
            p.add_argument("--to", choices=("secondary", "patient"), required=True)
        if name == "reopening":
            p.add_argument("--reference", required=True)
        if name == "note":
            p.add_argument("text")
        store_args(p)
    cl = add("claims", lambda a: _usage(cl), "correct adjudicated claims")
    csub = cl.add_subparsers(dest="what", metavar="WHAT")
    for name, help_ in (("replace", "queue a frequency-7 replacement with REF*F8"),
                        ("void", "queue a frequency-8 void")):
        p = csub.add_parser(name, help=help_)
        p.set_defaults(handler=cmd_claim_correct)
        p.add_argument("claim", help="claim id or patient control number")
        store_args(p)
    rm = add("remits", lambda a: _usage(rm), "835 remittances")
    rsub = rm.add_subparsers(dest="what", metavar="WHAT")
    p = rsub.add_parser("unmatched", help="835 claims and lines that matched no claim")
    p.set_defaults(handler=cmd_unmatched)
    p.add_argument("--json", action="store_true")
    store_args(p)
