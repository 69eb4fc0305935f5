"""Helpers for the real-browser tests: a private JupyterLab server and Debian's Chromium.

The server runs as a subprocess on loopback, on a free port, with a random
token, a temporary root folder and Jupyter's config/data/runtime folders
pointed into that temporary space, so nothing from the machine's own Jupyter
set-up (settings, workspaces, extensions, kernels) changes what the test sees.
Stopping it asks the server to shut down (which ends its kernels), then ends
whatever it started that is still alive, by process id.

Playwright's own browser download does not work here; the tests drive the
system's Chromium (``apt-get install chromium``), as CI installs it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from archreview.report import pdf

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# JupyterLab user settings for the test server: no news or update checks (no
# network, no notification toast over the notebook).
_LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}

_LAB_CONFIG = {"LabApp": {"news_url": None, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
                          "extension_manager": "readonly"}}


class BrowserMissing(RuntimeError):
    """Chromium is not installed where the tests expect it."""


def chromium_path() -> str:
    """The Chromium the PDF export prints with (found the same way), or an error that says how to
    install it (the tests fail, never skip)."""
    try:
        return pdf.find_chromium()
    except pdf.BrowserMissing as err:
        raise BrowserMissing(f"the browser tests need Chromium: {err} (CI's .ci/run installs it)") from None


def launch(playwright):
    """A headless Chromium from the system, not Playwright's download, with the export's flags."""
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=list(pdf.CHROMIUM_ARGS))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LabServer:
    process: subprocess.Popen
    port: int
    token: str
    root: Path
    log: Path
    started: list[tuple[int, int]] = field(default_factory=list)  # (pid, start time) of kernels it started

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, notebook: str, workspace: str | None = None) -> str:
        """The notebook opened in JupyterLab, logged in by the token.

        Each test gets its own empty workspace (``reset``), or JupyterLab would
        reopen the tabs of the previous test beside this one.
        """
        workspace = workspace or Path(notebook).stem
        return f"{self.base_url}/lab/workspaces/{quote(workspace)}/tree/{quote(notebook)}?token={self.token}&reset"

    def api(self, path: str, method: str = "GET", timeout: float = 5.0) -> object:
        request = urllib.request.Request(
            f"{self.base_url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def _isolated_env(home: Path) -> dict[str, str]:
    """Jupyter's and IPython's folders inside ``home``, with the test's user settings written there."""
    env = dict(os.environ)
    dirs = {"JUPYTER_CONFIG_DIR": home / "config", "JUPYTER_DATA_DIR": home / "data",
            "JUPYTER_RUNTIME_DIR": home / "runtime", "IPYTHONDIR": home / "ipython"}
    for name, folder in dirs.items():
        folder.mkdir(parents=True, exist_ok=True)
        env[name] = str(folder)
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    (dirs["JUPYTER_CONFIG_DIR"] / "jupyter_lab_config.json").write_text(json.dumps(_LAB_CONFIG), encoding="utf-8")
    settings = dirs["JUPYTER_CONFIG_DIR"] / "lab" / "user-settings"
    for name, value in _LAB_SETTINGS.items():
        target = settings / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(value), encoding="utf-8")
    return env


def start_lab(root: Path, home: Path, token: str, *, timeout: float = 60.0, attempts: int = 3) -> LabServer:
    """JupyterLab serving ``root`` on 127.0.0.1, ready when ``/api/status`` answers with the token.

    The free port is found before the server binds it, so another process can
    take it in between: a server that exits at start is tried again on a new port.
    """
    for attempt in range(1, attempts + 1):
        server = _spawn_lab(root, home, token)
        try:
            _wait_ready(server, timeout)
            return server
        except ServerExited:
            stop_lab(server)
            if attempt == attempts:
                raise
        except BaseException:
            stop_lab(server)
            raise
    raise AssertionError("unreachable")


class ServerExited(RuntimeError):
    """JupyterLab stopped before it answered."""


def _spawn_lab(root: Path, home: Path, token: str) -> LabServer:
    port = free_port()
    log = home / f"jupyterlab-{port}.log"
    argv = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
    ]
    if os.geteuid() == 0:  # CI containers run as root; the server refuses that unless told
        argv.append("--allow-root")
    with open(log, "wb") as out:
        process = subprocess.Popen(argv, cwd=root, env=_isolated_env(home), stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    return LabServer(process, port, token, root, log)


def _wait_ready(server: LabServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerExited(f"JupyterLab exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            server.api("/api/status", timeout=2)
            return
        except OSError:  # URLError, connection refused, timeout
            time.sleep(0.25)
    raise RuntimeError(f"JupyterLab did not answer /api/status within {timeout:.0f}s:\n{server.log_tail()}")


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, start time) of a live process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[1]), int(fields[19])


def descendants(pid: int) -> list[tuple[int, int]]:
    """(pid, start time) of every live process below ``pid``; kernels run in their own session, so a group kill misses them."""
    table = {int(e.name): _stat(int(e.name)) for e in Path("/proc").iterdir() if e.name.isdigit()}
    found, frontier = [], {pid}
    while frontier:
        children = {child: st[2] for child, st in table.items() if st and st[1] in frontier}
        found += children.items()
        frontier = set(children)
    return found


def stop_lab(server: LabServer) -> None:
    """Shut the server down through its API (it ends its kernels), then end what is left, by pid."""
    track_kernels(server)
    if server.process.poll() is None:
        try:
            server.api("/api/shutdown", method="POST", timeout=5)
        except OSError:  # URLError, connection refused, timeout
            pass
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.terminate()
            try:
                server.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()
    for pid, started in server.started:
        _end(pid, started)


def _end(pid: int, started: int) -> None:
    """SIGTERM, a short grace, then SIGKILL, only while ``pid`` is still the process we started."""
    for sig, grace in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 0.0)):
        if not _alive_as(pid, started):
            return
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and _alive_as(pid, started):
            time.sleep(0.05)


def _alive_as(pid: int, started: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[2] == started and stat[0] != "Z"


def track_kernels(server: LabServer) -> None:
    """Remember the server's current children, so they are ended even if the server dies first."""
    for entry in descendants(server.process.pid):
        if entry not in server.started:
            server.started.append(entry)
