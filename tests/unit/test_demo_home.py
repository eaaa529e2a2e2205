"""The demo and `make dev` never write their simulated world over a real home."""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools.simulator.harness import NotADemoHomeError, claim_demo_home
from ingestion.settings import DEMO_HOME, DEMO_MARKER, Paths


def test_the_demo_has_a_home_of_its_own_unless_told_otherwise():
    assert Paths.for_demo({}).home == DEMO_HOME
    assert Paths.for_demo({}).home != Paths.from_env({}).home
    assert Paths.for_demo({"SOCIALMART_HOME": "/tmp/x"}).home == Path("/tmp/x")


def test_a_fresh_or_demo_home_is_claimed(tmp_path: Path):
    paths = Paths(tmp_path / "new")
    claim_demo_home(paths)
    assert (paths.home / DEMO_MARKER).exists()
    paths.accounts.write_text("platform,account_id,account_name,role\n")
    claim_demo_home(paths)  # its own accounts, written by an earlier demo


@pytest.mark.parametrize("real", ["accounts.csv", "credentials"])
def test_a_home_with_real_accounts_or_credentials_is_refused(tmp_path: Path, real: str):
    paths = Paths(tmp_path)
    (tmp_path / real).write_text("douyin,o1,官方号,主号\n")
    with pytest.raises(NotADemoHomeError, match=f"{real}.*not a demo home"):
        claim_demo_home(paths)
    assert not (tmp_path / DEMO_MARKER).exists()
    assert (tmp_path / real).read_text() == "douyin,o1,官方号,主号\n"
