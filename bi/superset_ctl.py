"""Start and stop the dashboard: ``make bi`` / ``make bi-stop``.

Runs with bi/.venv's Python (Superset's own environment, apart from the pipeline's).
``start`` prepares Superset's metadata under ``<home>/bi/`` (once), creates the admin,
imports the dashboard bundle written by ``bundle.py`` for this home's published mart
(every time, overwriting, so the files in ``bi/`` are what is shown), starts gunicorn on
127.0.0.1 in its own process group and prints the address. ``stop`` ends that group.
``prepare`` makes the metadata and the admin only: they need no published mart, so they
can be made while the pipeline that publishes it runs.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from importlib.metadata import version
from pathlib import Path

from bundle import write_bundle

BI = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
START_TIMEOUT = 180  # seconds until /health answers
ADMIN = "admin"


class SupersetError(RuntimeError):
    """A Superset command failed or the server did not come up; names the log to read."""


def bi_dir(home: Path) -> Path:
    return home / "bi"


def environ(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SUPERSET_CONFIG_PATH": str(BI / "superset_config.py"),
        "SOCIALMART_BI_DIR": str(bi_dir(home)),
        "FLASK_APP": "superset.app:create_app()",
        "SUPERSET_HOME": str(bi_dir(home)),
        "PYTHONPATH": str(BI),
    }


def run(home: Path, what: str, command: list[str]) -> None:
    log = bi_dir(home) / "superset_cli.log"
    with log.open("ab") as out:
        done = subprocess.run(command, env=environ(home), stdout=out, stderr=out)
    if done.returncode != 0:
        raise SupersetError(f"{what} exited with {done.returncode}; see {log}")


def superset(home: Path, *args: str) -> None:
    run(home, f"superset {args[0]}", [str(BIN / "superset"), *args])


def secret(path: Path) -> str:
    """A random value kept in the home (never in the repository), made on first use."""
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def prepare(home: Path) -> str:
    """Superset's metadata, once per home and Superset version (db upgrade + init take
    about a minute each)."""
    folder = bi_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    secret(folder / "secret_key")
    password = secret(folder / "admin_password")
    done = folder / ".initialized"
    installed = version("apache-superset")
    if not done.exists() or done.read_text() != installed:
        superset(home, "db", "upgrade")
        superset(
            home,
            *("fab", "create-admin", "--username", ADMIN, "--firstname", "数据", "--lastname"),
            *("团队", "--email", "admin@localhost", "--password", password),
        )
        superset(home, "init")
        done.write_text(installed)
    return password


def serving_db(home: Path) -> Path:
    path = home / "serving" / "socialmart.duckdb"
    if not path.exists():
        raise SupersetError(f"no published mart at {path}: run `make demo` (or a publish) first")
    return path


def pid_file(home: Path) -> Path:
    return bi_dir(home) / "superset.pid"


def running(home: Path) -> int | None:
    try:
        pid = int(pid_file(home).read_text())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return pid


def wait_healthy(url: str, child: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise SupersetError(f"Superset exited with {child.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise SupersetError(f"Superset did not answer in {START_TIMEOUT}s; see {log}")


def start(home: Path, port: int) -> str:
    if running(home):
        stop(home)
    mart = serving_db(home)
    password = prepare(home)
    bundle = write_bundle(bi_dir(home) / "dashboard.zip", mart)
    run(home, "import", [str(BIN / "python"), str(BI / "import_bundle.py"), str(bundle), ADMIN])
    log = bi_dir(home) / "superset.log"
    url = f"http://127.0.0.1:{port}"
    with log.open("ab") as out:
        child = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "8"),
                *("--timeout", "120", "superset.app:create_app()"),
            ],
            env=environ(home),
            stdout=out,
            stderr=out,
            start_new_session=True,  # one process group, stopped as one
        )
    pid_file(home).write_text(str(child.pid))
    wait_healthy(url, child, log)
    return (
        f"Superset: {url}/superset/dashboard/socialmart/ "
        f"(user {ADMIN}, password in {bi_dir(home) / 'admin_password'}: {password})\n"
        f"reading {mart} read-only; stop with `make bi-stop`"
    )


def stop(home: Path) -> str:
    pid = running(home)
    if pid is None:
        pid_file(home).unlink(missing_ok=True)
        return "Superset is not running"
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while running(home) and time.monotonic() < deadline:
        time.sleep(0.5)
    if running(home):
        os.killpg(pid, signal.SIGKILL)
    pid_file(home).unlink(missing_ok=True)
    return f"Superset stopped (process group {pid})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop", "prepare"])
    parser.add_argument("--home", type=Path, required=True, help="the socialmart home")
    parser.add_argument("--port", type=int, default=8088)
    args = parser.parse_args()
    home = args.home.resolve()
    try:
        if args.action == "start":
            print(start(home, args.port))
        elif args.action == "prepare":
            prepare(home)
            print(f"Superset's metadata is ready in {bi_dir(home)}")
        else:
            print(stop(home))
    except SupersetError as error:
        sys.exit(f"make bi: {error}")


if __name__ == "__main__":
    main()
