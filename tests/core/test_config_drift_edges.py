"""config_drift.py at its edges: which releases are after the last PASS, which rollbacks are
read, and what a rollback's reason says. Each pins a decision a mutation would change unnoticed
(scripts/mutation)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from release_gate.core.config_drift import (
    LastPass,
    RollbackFacts,
    classify,
    rollback_counts,
    rollbacks_after,
    sensitive_changes,
)

T0 = datetime(2026, 5, 25, 3, 0, tzinfo=UTC)
SENSITIVE = ("REDIS_URL", "WEBAUTHN_ORIGIN")


@dataclass(frozen=True)
class Release:
    version: int
    description: str
    created_at: datetime = T0
    status: str = "succeeded"


def test_a_release_at_the_very_time_of_the_pass_is_not_after_it() -> None:
    same = Release(48, "Set REDIS_URL config vars", created_at=T0)
    later = Release(49, "Set REDIS_URL config vars", created_at=T0 + timedelta(seconds=1))
    found = sensitive_changes([same, later], sensitive=SENSITIVE,
                              last_pass=LastPass(release=None, at=T0))
    assert [c.version for c in found] == [49]


def test_names_joined_by_and_are_each_read() -> None:
    assert classify("Set FOO and REDIS_URL config vars", SENSITIVE) == ("set", ("REDIS_URL",))


def test_rollbacks_after_are_the_unfailed_rollbacks_after_the_pass() -> None:
    releases = [Release(40, "Rollback to v39"),                      # before the PASS
                Release(48, "Rollback to v46"),                      # read
                Release(49, "Rollback to v47", status="failed"),     # failed: never ran
                Release(50, "Set REDIS_URL config vars"),            # not a rollback
                Release(51, "  rollback to v50 ")]                   # read, however spaced
    after = rollbacks_after(releases, LastPass(release=47, at=None))
    assert [r.version for r in after] == [48, 51]
    assert [r.version for r in rollbacks_after(releases, None)] == [40, 48, 51]


def test_a_rollbacks_reason_names_the_release_it_replaced() -> None:
    assert rollback_counts(RollbackFacts(by_tool=True, replaced=47, same_config=False)) == (
        True, "release-gate's rollback, and its config vars differ from v47's")
    assert rollback_counts(RollbackFacts(by_tool=True, replaced=None, same_config=True)) == (
        False, "release-gate's own rollback; its config vars equal the release before's: not a "
               "config change")


def test_a_no_op_rollback_is_skipped_and_the_later_change_still_counts() -> None:
    releases = [Release(48, "Rollback to v46"), Release(49, "Set WEBAUTHN_ORIGIN config vars")]
    facts = {48: RollbackFacts(by_tool=True, replaced=47, same_config=True)}
    found = sensitive_changes(releases, sensitive=SENSITIVE, last_pass=None, rollbacks=facts)
    assert [(c.version, c.kind) for c in found] == [(49, "set")]
