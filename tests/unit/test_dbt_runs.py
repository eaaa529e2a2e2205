"""How the dbt asset calls dbt: the same vars every run, unit tests once per code change."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from dagster_dbt import DbtProject

from orchestration import dbt_assets
from orchestration.dbt_assets import (
    MANIFEST_CODE,
    UNIT_TESTS_PASSED,
    build_args,
    manifest_path,
    project_fingerprint,
    ran_every_unit_test,
)
from orchestration.resources import SocialmartSettings, Warehouse


def project(root: Path) -> Path:
    (root / "models").mkdir(parents=True)
    (root / "macros").mkdir()
    (root / "dbt_project.yml").write_text("name: p\n")
    (root / "models" / "a.sql").write_text("select 1 as x\n")
    (root / "macros" / "m.sql").write_text("{% macro m() %}1{% endmacro %}\n")
    return root


def test_the_fingerprint_changes_with_any_file_dbt_parses_and_only_then(tmp_path: Path):
    root = project(tmp_path / "p")
    first = project_fingerprint(root)
    (root / "target").mkdir()
    (root / "target" / "run_results.json").write_text("{}")  # an artifact, not code
    assert project_fingerprint(root) == first
    (root / "macros" / "m.sql").write_text("{% macro m() %}2{% endmacro %}\n")
    assert project_fingerprint(root) != first


def test_the_manifest_follows_the_code_it_describes(tmp_path: Path):
    root = project(tmp_path / "p")
    (root / "dbt_project.yml").write_text("name: p\nprofile: p\n")
    (root / "profiles.yml").write_text(
        "p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {tmp_path / 'w.duckdb'}\n"
    )
    dbt = DbtProject(project_dir=root, profiles_dir=root)
    # a manifest stamped with the code as it is: read as it is, not parsed again
    (root / "target").mkdir()
    (root / "target" / "manifest.json").write_text('{"nodes": {}}')
    (root / "target" / MANIFEST_CODE).write_text(project_fingerprint(root))

    def models() -> set[str]:
        manifest = json.loads(manifest_path(dbt).read_text(encoding="utf-8"))
        return {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}

    assert models() == set()
    # a pull that adds a model, with no `make manifest`: the next reader parses it
    (root / "models" / "b.sql").write_text("select 2 as x\n")
    assert models() == {"a", "b"}
    assert (root / "target" / MANIFEST_CODE).read_text() == project_fingerprint(root)


def test_two_readers_of_an_old_manifest_parse_it_once(tmp_path: Path, monkeypatch):
    root = project(tmp_path / "p")
    (root / "target").mkdir()
    (root / "target" / "manifest.json").write_text('{"nodes": {}}')
    (root / "target" / MANIFEST_CODE).write_text("the code before the pull")
    parses: list[list[str]] = []

    class Parse:
        def wait(self) -> Parse:
            time.sleep(0.3)  # long enough for the other reader to arrive
            return self

    class Dbt:  # the resource, as manifest_path calls it
        def __init__(self, **kwargs) -> None:
            pass

        def cli(self, args: list[str], **kwargs) -> Parse:
            parses.append(args)
            return Parse()

    monkeypatch.setattr(dbt_assets, "DbtCli", Dbt)
    dbt = DbtProject(project_dir=root, profiles_dir=root)
    readers = [threading.Thread(target=manifest_path, args=(dbt,)) for _ in range(2)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert parses == [["parse", "--quiet"]]
    assert (root / "target" / MANIFEST_CODE).read_text() == project_fingerprint(root)


def test_unit_tests_are_skipped_only_after_they_passed_on_the_same_code(tmp_path: Path):
    warehouse = Warehouse(settings=SocialmartSettings(home=str(tmp_path)))
    args = build_args(warehouse, "code-1")
    assert args[:2] == ["build", "--vars"]
    assert json.loads(args[2])["warehouse_path"] == str(tmp_path / "warehouse.duckdb")
    assert "--exclude-resource-type" not in args  # never passed here yet
    warehouse.dbt_target().mkdir(parents=True)
    (warehouse.dbt_target() / UNIT_TESTS_PASSED).write_text("code-1")
    assert build_args(warehouse, "code-1")[3:] == ["--exclude-resource-type", "unit_test"]
    assert "--exclude-resource-type" not in build_args(warehouse, "code-2")
    # the window is not among the vars: a new day leaves dbt's saved parse valid
    assert build_args(warehouse, "code-1")[:3] == args[:3]


def test_every_unit_test_must_have_run_and_passed():
    manifest = {"unit_tests": {"unit_test.p.a.t1": {}, "unit_test.p.a.t2": {}}}

    def results(*rows: tuple[str, str]) -> dict:
        return {"results": [{"unique_id": u, "status": s} for u, s in rows]}

    model = ("model.p.a", "success")
    assert ran_every_unit_test(
        results(model, ("unit_test.p.a.t1", "pass"), ("unit_test.p.a.t2", "pass")), manifest
    )
    assert not ran_every_unit_test(results(model, ("unit_test.p.a.t1", "pass")), manifest)
    assert not ran_every_unit_test(
        results(("unit_test.p.a.t1", "pass"), ("unit_test.p.a.t2", "fail")), manifest
    )
    assert not ran_every_unit_test(results(model), manifest)  # skipped: nothing to stamp


def test_a_dbt_command_starts_without_an_adapter_or_a_version_check(
    monkeypatch: pytest.MonkeyPatch,
):
    """dagster-dbt opens a dbt adapter (profile, project, every macro) and runs `dbt
    --version` in the run's process before each run's first command: 5-6 s at `large`
    that socialmart's resource skips. dagster-dbt's own resource does both (the hooks the
    resource replaces are still the ones dagster-dbt calls)."""
    import dbt.config.runtime
    from dagster_dbt import DbtCliResource
    from dagster_dbt.core import resource as dagster_dbt_resource
    from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation

    profiles, versions, started = [], [], []
    load_profile, check_output = dbt.config.runtime.load_profile, dagster_dbt_resource.check_output
    monkeypatch.setattr(
        dbt.config.runtime,
        "load_profile",
        lambda *a, **k: profiles.append(1) or load_profile(*a, **k),
    )
    monkeypatch.setattr(
        dagster_dbt_resource,
        "check_output",
        lambda *a, **k: versions.append(1) or check_output(*a, **k),
    )
    monkeypatch.setattr(DbtCliInvocation, "run", lambda **kwargs: started.append(kwargs))
    monkeypatch.setenv("SOCIALMART_WAREHOUSE", "unused.duckdb")
    for resource in (DbtCliResource, dbt_assets.DbtCli):
        resource(
            project_dir=str(dbt_assets.DBT_DIR), dbt_executable=dbt_assets.dbt_executable()
        ).cli(["parse"])
    dagster_dbt_own, ours = started
    assert (len(profiles), len(versions)) == (1, 1)  # dagster-dbt's resource only
    assert dagster_dbt_own["adapter"] is not None and ours["adapter"] is None
    assert ours["cli_version"] == dagster_dbt_own["cli_version"]


def test_a_run_of_the_whole_job_publishes_and_a_selection_without_the_publish_does_not():
    """The copy of the served file and the publish made beside the gates start only in a
    run that goes on to publish; a run of the whole job carries an empty selection."""
    import dagster as dg

    from orchestration.resources import PUBLISHED_KEY

    def run(selection):
        return dg.DagsterRun(job_name="daily_pipeline", asset_selection=selection)

    assert dbt_assets.publishes(run(None))
    assert dbt_assets.publishes(run(frozenset()))
    assert dbt_assets.publishes(run(frozenset({PUBLISHED_KEY, dg.AssetKey(["mart", "x"])})))
    assert not dbt_assets.publishes(run(frozenset({dg.AssetKey(["mart", "x"])})))
