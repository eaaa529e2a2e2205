"""Starting a simulator for the demo and the tests, and the settings that point at it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx

from ingestion.accounts import Account, token_env_names, write_accounts
from ingestion.settings import Paths
from ingestion.simulator.server import SimServer, SimState
from ingestion.simulator.world import API_PLATFORMS, World


@dataclass
class RunningSimulator:
    server: SimServer
    world: World
    paths: Paths

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def environ(self) -> dict[str, str]:
        """Base URLs and per-account tokens, as production sets them for real platforms."""
        env = {
            "SOCIALMART_HOME": str(self.paths.home),
            "SOCIALMART_HASH_KEY": "sim-" + self.world._hex(16, "hash-key"),
        }
        for platform in (*API_PLATFORMS, "wecom", "shop"):
            env[f"SOCIALMART_{platform.upper()}_BASE_URL"] = self.base_url
            # loopback has no quota to respect: let tests and the demo go at full speed
            env[f"SOCIALMART_{platform.upper()}_RATE_LIMIT"] = "1000"
            for a in self.world.accounts_of(platform):
                env[token_env_names(platform, a.account_id)[0]] = self.world.token(
                    platform, a.account_id
                )
        return env

    def set_today(self, today: date) -> None:
        """Move the platforms' clock; drops yesterday's export files into the inbox."""
        httpx.post(
            f"{self.base_url}/__sim__/clock", json={"today": today.isoformat()}, timeout=30
        ).raise_for_status()

    def set_faults(self, faults: dict[str, dict[str, float | str]]) -> None:
        httpx.post(f"{self.base_url}/__sim__/faults", json=faults, timeout=10).raise_for_status()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_simulator(
    home: Path,
    *,
    today: date,
    seed: int = 42,
    scale: str = "small",
    history_start: date | None = None,
    port: int = 0,
) -> RunningSimulator:
    """Serve the world on 127.0.0.1 in a background thread and write its account registry."""
    world = World(seed=seed, scale=scale, history_start=history_start or date(2026, 9, 1))
    paths = Paths(home.resolve())
    write_accounts(
        paths.accounts,
        [
            Account(a.platform, a.account_id, a.account_name, a.role)
            for a in (*world.accounts, *world.sources)
        ],
    )
    state = SimState(world=world, today=today, inbox=paths.inbox)
    state.set_today(today)  # yesterday's exports are in the inbox, as on any morning
    server = SimServer(state, port=port)
    server.start_in_thread()
    return RunningSimulator(server, world, paths)
