"""Starting a simulator for the demo and the tests, and the settings that point at it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

import httpx

from devtools.simulator.model import API_PLATFORMS
from devtools.simulator.server import SimServer, SimState, bilibili_app, shop_app
from devtools.simulator.tokens import APP_TOKENS, OAUTH, app_of
from devtools.simulator.world import World
from ingestion.accounts import Account, setting_names, token_env_names, write_accounts
from ingestion.errors import ConfigError
from ingestion.platforms import PLATFORMS
from ingestion.platforms.bilibili import OAUTH_BASE_URL
from ingestion.platforms.weibo import REDIRECT_URI
from ingestion.settings import DEMO_MARKER, Paths


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
        env["SOCIALMART_BILIBILI_CLIENT_ID"], env["SOCIALMART_BILIBILI_CLIENT_SECRET"] = (
            bilibili_app(self.world)
        )
        env["SOCIALMART_SHOP_APP_KEY"], env["SOCIALMART_SHOP_APP_SECRET"] = shop_app(self.world)
        return env

    def renewing_environ(self) -> dict[str, str]:
        """Like ``environ``, but the platforms whose tokens renew get no static token: WeChat
        OA and WeCom their apps' ids and secrets, Douyin, Kuaishou, Bilibili, Weibo and the
        shop their apps' (their accounts then need ``authorise``)."""
        env = self.environ()
        for platform in (*APP_TOKENS, *OAUTH):
            auth = PLATFORMS[platform].api.auth  # type: ignore[union-attr]
            for a in self.world.accounts_of(platform):
                del env[token_env_names(platform, a.account_id)[0]]
                own = platform == "wechat_oa"  # one app per official account
                app_id, secret = app_of(self.world, platform, a.account_id)
                env[setting_names(auth.id_setting, a.account_id)[0 if own else 1]] = app_id
                env[setting_names(auth.secret_setting, a.account_id)[0 if own else 1]] = secret
        env[OAUTH_BASE_URL] = self.base_url
        env[REDIRECT_URI] = f"{self.base_url}/callback"  # Weibo's registered callback
        return env

    def consent(self, platform: str, account_id: str) -> str:
        """The authorisation code a person's consent on the platform's page yields."""
        payload = {"platform": platform, "account_id": account_id}
        reply = httpx.post(f"{self.base_url}/__sim__/authorise", json=payload, timeout=10)
        return reply.raise_for_status().json()["code"]

    def set_token_lifetimes(self, lifetimes: dict[str, dict[str, float]]) -> None:
        """Per platform: ``access_seconds``, ``refresh_seconds``, ``access_uses`` (calls an
        access token answers before it is refused as expired)."""
        url = f"{self.base_url}/__sim__/tokens"
        httpx.post(url, json=lifetimes, timeout=10).raise_for_status()

    def set_today(self, today: date, at: time | None = None) -> None:
        """Move the platforms' clock (to ``at`` Shanghai time of ``today``, when given);
        drops yesterday's export files into the inbox."""
        payload = {"today": today.isoformat(), **({"time": at.isoformat()} if at else {})}
        httpx.post(f"{self.base_url}/__sim__/clock", json=payload, timeout=30).raise_for_status()

    def set_faults(self, faults: dict[str, dict[str, float | str]]) -> None:
        httpx.post(f"{self.base_url}/__sim__/faults", json=faults, timeout=10).raise_for_status()

    def requests(self) -> list[dict[str, str]]:
        """Every platform request the simulator served, in order: method, path, query."""
        reply = httpx.get(f"{self.base_url}/__sim__/requests", timeout=10)
        return reply.raise_for_status().json()["requests"]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class NotADemoHomeError(ConfigError):
    """The home holds a real account registry or credentials: a simulator must not write there."""


def claim_demo_home(paths: Paths) -> None:
    """Mark ``paths.home`` as a simulated world's, refusing a home that holds real data.

    A home is real when it has an account registry or credentials and no demo marker.
    """
    marker = paths.home / DEMO_MARKER
    if not marker.exists():
        real = [p for p in (paths.accounts, paths.credentials) if p.exists()]
        if real:
            raise NotADemoHomeError(
                f"{paths.home} holds {' and '.join(str(p) for p in real)} and is not a demo "
                "home: the simulator would overwrite them. Unset SOCIALMART_HOME (the demo "
                "then uses data/demo) or point it at an empty folder."
            )
    paths.home.mkdir(parents=True, exist_ok=True)
    marker.write_text("written by the platform simulator: this home holds no real data\n")


def start_simulator(
    home: Path,
    *,
    today: date,
    seed: int = 42,
    scale: str = "small",
    history_start: date | None = None,
    port: int = 0,
) -> RunningSimulator:
    """Serve the world on 127.0.0.1 in a background thread and write its account registry.

    The demo, ``make dev`` and the benchmarks leave ``history_start`` to the world, so at a
    seed and scale they serve one world: any day fetched by one is fetched alike by another.
    """
    world = World(seed=seed, scale=scale)
    if history_start is not None:
        world = World(seed=seed, scale=scale, history_start=history_start)
    paths = Paths(home.resolve())
    claim_demo_home(paths)
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
