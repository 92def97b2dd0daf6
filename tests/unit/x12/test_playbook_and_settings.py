"""The denial playbook (pure next action + deadline) and the store's EDI settings loader."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pendulum
import pytest

from otq.domain import PayerProfile
from otq.errors import ConfigError
from otq.paths import reference_dir
from otq.reference.denial_playbook import load_playbook
from otq.services.edi_settings import load_edi_settings

REMIT = pendulum.date(2026, 2, 20)
DOS = pendulum.date(2026, 1, 14)
MEDICARE = PayerProfile(id="medicare", name="Medicare Part B", accepts_frequency_7=False,
                        appeal_days=120, filing_limit_days=365)
COMMERCIAL = PayerProfile(id="commercial", name="Commercial", appeal_days=180,
                          filing_limit_days=90)


def _decide(group, carc, profile, rarcs=(), secondary=False):
    return load_playbook().decide(group, carc, rarcs, profile, has_secondary=secondary,
                                  remit_date=REMIT, service_date=DOS)


@pytest.mark.parametrize("group,carc,profile,action,deadline", [
    ("CO", "50", MEDICARE, "appeal", REMIT.add(days=120)),
    ("CO", "50", COMMERCIAL, "appeal", REMIT.add(days=180)),
    ("CO", "97", COMMERCIAL, "correct_resubmit", DOS.add(days=90)),
    ("CO", "97", MEDICARE, "reopening", REMIT.add(days=365)),
    ("CO", "29", MEDICARE, "write_off", REMIT.add(days=30)),
    ("PR", "2", MEDICARE, "bill_patient", REMIT.add(days=30)),
    ("PR", "50", MEDICARE, "bill_patient", REMIT.add(days=30)),
    ("CO", "16", MEDICARE, "new_claim", DOS.add(days=365)),
    ("CO", "999", COMMERCIAL, "appeal", REMIT.add(days=180)),
])
def test_playbook__next_action_and_deadline(group, carc, profile, action, deadline):
    d = _decide(group, carc, profile)
    assert (d.action, d.deadline) == (action, deadline)
    assert d.label and d.why


def test_playbook__coinsurance_goes_to_the_secondary_when_there_is_one():
    assert _decide("PR", "2", MEDICARE, secondary=True).action == "bill_secondary"


def test_playbook__contractual_write_down_is_post_only():
    assert _decide("CO", "45", MEDICARE).post_only


def test_playbook__a_rarc_rule_beats_the_carc_rule():
    assert "Referring NPI" in _decide("CO", "16", MEDICARE, rarcs=("N286",)).why


def test_playbook__texts_for_codes_and_unknown_codes():
    book = load_playbook()
    assert book.carc_text("97").startswith("Included in the payment")
    assert book.rarc_text("MA130").startswith("Claim is incomplete")
    assert "not in carc.toml" in book.carc_text("ZZ9")


def test_playbook__a_rule_naming_an_unknown_action_is_a_config_error(tmp_path):
    for name in ("carc.toml", "rarc.toml", "denial_playbook.toml"):
        shutil.copy(reference_dir() / name, tmp_path / name)
    book = tmp_path / "denial_playbook.toml"
    book.write_text(book.read_text() + '\n[[rules]]\ncarc = "1"\naction = "shrug"\n')
    with pytest.raises(ConfigError, match="rules"):
        load_playbook(tmp_path)


def _settings(tmp_path: Path, text: str):
    (tmp_path / "s.json.edi.toml").write_text(text)
    return load_edi_settings(tmp_path / "s.json")


def test_settings__missing_file_means_defaults(tmp_path):
    s = load_edi_settings(tmp_path / "s.json")
    assert (s.receiver_id, s.usage, s.write_off_limit, s.contact_phone) == (
        "CLEARINGHOUSE", "P", Decimal("100.00"), "")


def test_settings__values_are_read(tmp_path):
    s = _settings(tmp_path, 'usage = "T"\n[submitter]\nid = "ACME01"\ncontact_phone = "2155550100"\n'
                            '[denials]\nwrite_off_limit = "250"\nsupervisors = ["ann"]\n')
    assert (s.usage, s.submitter_id, s.write_off_limit, s.supervisors) == (
        "T", "ACME01", Decimal(250), ("ann",))


def test_settings__every_bad_key_is_named(tmp_path):
    with pytest.raises(ConfigError) as err:
        _settings(tmp_path, 'usage = "X"\ncolour = 1\n[submitter]\nid = 7\n[denials]\n'
                            'write_off_limit = "lots"\n')
    text = str(err.value)
    for needle in ("usage", "colour: unknown key", "submitter.id: must be text",
                   "write_off_limit"):
        assert needle in text


@pytest.mark.parametrize("carc,group,profile,expected", [
    ("50", "CO", "medicare", ("appeal", 120)),
    ("29", "CO", "medicare", ("write_off", 30)),
    ("97", "CO", "medicare", ("reopening", 365)),
    ("2", "PR", "commercial", ("bill_patient", 30)),
])
def test_next_action__returns_action_and_days_per_profile(carc, group, profile, expected):
    from otq.reference.denial_playbook import next_action
    assert next_action(carc, group, profile) == expected


def test_next_action__unknown_profile_is_a_config_error():
    from otq.reference.denial_playbook import next_action
    with pytest.raises(ConfigError, match="no-such-profile"):
        next_action("50", "CO", "no-such-profile")
