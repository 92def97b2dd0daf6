"""Builders for eligibility tests: 271 interchanges with correct counts, and pyx12 checks.

The installed pyx12 4.0.0 ships no 005010X279A1 maps; the 270/271 maps come from the
pyx12 repository history (commit a564361, tests/data/eligibility/pyx12_maps) and are added
to a copy of the installed map folder.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pyx12
import pyx12.params
import pyx12.x12n_document

MAPS = Path(__file__).resolve().parents[2] / "data" / "eligibility" / "pyx12_maps"

ISA = ("ISA*00*          *00*          *ZZ*CLEARINGHOUSE  *ZZ*1234567893     *260115*1000*^"
       "*00501*000000431*0*P*:~")


def build_271(payers: list[tuple[str, str, list[list[str]]]], *, control: str = "000000431",
              payer_segments: list[str] | None = None) -> str:
    """A 271: one transaction set per (payer name, payer id, subscribers); each subscriber is
    its list of 2000C segments after the HL (TRN, NM1*IL, DMG, DTP, EB ...)."""
    out = [ISA.replace("000000431", control), "GS*HB*CLEARINGHOUSE*1234567893*20260115*1000*431*X*005010X279A1~"]
    for n, (name, pid, subscribers) in enumerate(payers, start=1):
        body = [f"ST*271*{n:04d}*005010X279A1~", f"BHT*0022*11*OTQ{n}*20260115*1000~",
                "HL*1**20*1~", f"NM1*PR*2*{name}*****PI*{pid}~",
                *(s if s.endswith("~") else s + "~" for s in payer_segments or []),
                f"HL*2*1*21*{1 if subscribers else 0}~",
                "NM1*1P*2*ACME OCCUPATIONAL THERAPY*****XX*1234567893~"]
        for i, segs in enumerate(subscribers, start=3):
            body.append(f"HL*{i}*2*22*0~")
            body.extend(s if s.endswith("~") else s + "~" for s in segs)
        body.append(f"SE*{len(body) + 1}*{n:04d}~")
        out.extend(body)
    out += [f"GE*{len(payers)}*431~", f"IEA*1*{control}~"]
    return "\n".join(out) + "\n"


def pyx12_map_dir(tmp: Path) -> Path:
    """A copy of pyx12's maps with the 005010X279A1 270/271 maps registered."""
    target = tmp / "map"
    shutil.copytree(Path(pyx12.__file__).parent / "map", target)
    for f in MAPS.glob("*.xml"):
        shutil.copy(f, target / f.name)
    index = (target / "maps.xml").read_text()
    index = index.replace('<version icvn="00501">', '<version icvn="00501">\n'
                          '    <map vriic="005010X279A1" fic="HS" abbr="270">270.5010.X279.A1.xml</map>\n'
                          '    <map vriic="005010X279A1" fic="HB" abbr="271">271.5010.X279.A1.xml</map>', 1)
    (target / "maps.xml").write_text(index)
    return target


def pyx12_check(text: str, map_dir: Path) -> tuple[bool, str]:
    """(pyx12's verdict, the 999 it wrote) for an X12 text."""
    ack = io.StringIO()
    ok = pyx12.x12n_document.x12n_document(pyx12.params.params(), io.StringIO(text), ack, None,
                                           map_path=str(map_dir))
    return bool(ok), ack.getvalue()
