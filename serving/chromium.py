"""Headless Debian Chromium: the one browser the reports (and the browser tests) drive.

Debian's package, never a test tool's own download (``.ci/run`` installs ``chromium`` and
``fonts-wqy-zenhei``). Without the background-networking flags Chromium reaches out to
Google's hosts.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class ScreenshotError(Exception):
    """Chromium is missing or did not write the picture."""


def _run(html: Path, width: int, height: int, output: str, timeout: float) -> str:
    if not CHROMIUM.exists():
        raise ScreenshotError(f"{CHROMIUM} is missing (apt-get install chromium fonts-wqy-zenhei)")
    with tempfile.TemporaryDirectory(prefix="socialmart-chromium-") as profile:
        done = subprocess.run(
            [
                str(CHROMIUM),
                *CHROMIUM_FLAGS,
                # nothing but the local file: no page of the report loads from the network
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                output,
                html.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if done.returncode != 0:
        raise ScreenshotError(f"chromium could not draw {html}: {done.stderr[-500:]}")
    return done.stdout


def page_height(html: Path, width: int, timeout: float = 120) -> int:
    """The height the page takes at ``width``: the page writes its own scrollHeight into
    ``<body data-height>`` (a script at its end), read back from the dumped DOM."""
    dom = _run(html, width, 1000, "--dump-dom", timeout)
    found = re.search(r'<body[^>]*data-height="(\d+)"', dom)
    if not found:
        raise ScreenshotError(f"{html} did not report its height (<body data-height>)")
    return int(found.group(1))


def screenshot(html: Path, png: Path, width: int, timeout: float = 120) -> Path:
    """A PNG of the whole page ``html`` at ``width`` CSS pixels."""
    _run(html, width, page_height(html, width, timeout), f"--screenshot={png}", timeout)
    if not png.exists():
        raise ScreenshotError(f"chromium wrote no {png}")
    return png
