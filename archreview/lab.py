"""``archreview lab``: JupyterLab on a parameterised copy of the workbook, on loopback.

The repository under review is untrusted: nothing in it may run. So the server
starts in a fresh private folder, the workbook lives outside the analysed tree
(in the user's state folder) unless the user names a folder, and the server
and its kernels run with ``PYTHONSAFEPATH`` so that neither their working
folder nor a script's folder is put on ``sys.path`` - a committed ``IPython.py``
or ``reviews/ipykernel_launcher.py`` is never imported.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import nbformat
import platformdirs

from archreview.analysis.inputs import check_path
from archreview.core.output import refuse_links, write_text
from archreview.report.notebook import check_inputs, notebook_path
from archreview.workbook.params import Parameters, absolute

_log = logging.getLogger(__name__)
Tell = Callable[[str], None]  # where the workbook's path and the server's address go (the CLI prints them)


def _label(*parts: str | None) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", "-".join(p for p in parts if p)).strip("-.") or "repo"


def default_workdir(root: Path) -> Path:
    """The user's own folder for this repository's workbooks: outside the analysed tree."""
    digest = hashlib.sha256(os.fsencode(root)).hexdigest()[:12]
    return Path(platformdirs.user_state_dir("archreview")) / "reviews" / f"{_label(root.name)}-{digest}"


def prepare(params: Parameters, workdir: str | os.PathLike | None = None) -> Path:
    """papermill's prepare_only: parameters injected, nothing executed; the workbook's path."""
    import papermill as pm

    check_inputs(params)
    root = check_path(params.repo)
    folder = Path(os.path.abspath(workdir)) if workdir is not None else default_workdir(root)
    target = refuse_links(unused_name(folder / f"review-{_label(root.name, params.head)}.ipynb"), root)
    if params.decisions is None:  # decisions live next to the workbook unless told otherwise
        decisions = refuse_links(target.with_suffix(".decisions.json"), root)
        params = replace(params, decisions=str(decisions))
    node = pm.execute_notebook(str(notebook_path()), None, parameters=absolute(params).as_dict(),
                               prepare_only=True, progress_bar=False)
    return write_text(target, nbformat.writes(one_parameters_cell(node)), root=root, exclusive=True)


def one_parameters_cell(node: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The workbook with a single parameters cell holding the values of this review: papermill adds its
    injected cell after the defaults, and a reviewer editing the defaults would change nothing."""
    injected = [c for c in node.cells if "injected-parameters" in c.metadata.get("tags", [])]
    if not injected:
        return node
    for cell in node.cells:
        if "parameters" in cell.metadata.get("tags", []):
            cell.source = injected[0].source
    node.cells = [c for c in node.cells if c is not injected[0]]
    return node


def unused_name(target: Path) -> Path:
    """``target``, or ``name-2.ipynb``, ``name-3.ipynb``... when a workbook is already there: one the reviewer
    may have edited is never overwritten (its decisions live in the decisions file, which is shared)."""
    candidate, n = target, 1
    while os.path.lexists(candidate):  # a dangling link counts as taken too
        n += 1
        candidate = target.with_name(f"{target.stem}-{n}{target.suffix}")
    return candidate


def server_environment() -> dict[str, str]:
    """The server's environment, inherited by its kernels: no working folder on ``sys.path``."""
    return {**os.environ, "PYTHONSAFEPATH": "1"}


def open_lab(params: Parameters, workdir: str | os.PathLike | None = None, *, port: int = 0,
             open_browser: bool = True, tell: Tell = _log.info) -> int:
    notebook = prepare(params, workdir)
    token = secrets.token_urlsafe(24)
    argv = [sys.executable, "-P", "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={notebook.parent}", f"--LabApp.default_url=/lab/tree/{notebook.name}"]
    # Nothing reaches out at run time: no extension manager queries, no news feed.
    argv += ["--LabApp.extension_manager=readonly", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
             "jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")  # containers and CI run as root; the server still listens on loopback only
    if port:
        argv.append(f"--ServerApp.port={port}")
    if not open_browser:
        argv.append("--no-browser")
    tell(f"workbook: {notebook}")
    return serve(argv, notebook, token, env=server_environment(), tell=tell)


# The news and update toasts ask a question in every session and would reach out to the network.
QUIET_SETTINGS = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}


def serve(argv: list[str], notebook: Path, token: str, *, cwd: str | None = None,
          env: dict[str, str] | None = None, tell: Tell = _log.info) -> int:
    """Run the server until it stops, or until SIGTERM or Ctrl-C: then end it and every kernel it started.

    The server runs in its own session so that Ctrl-C reaches archreview only (JupyterLab would ask
    "Shutdown this Jupyter server?"); archreview then sends it SIGTERM, which shuts its kernels down,
    and kills whatever of its process tree is still alive a few seconds later.
    """
    with tempfile.TemporaryDirectory(prefix="archreview-lab-") as private:
        settings = Path(private) / "app-settings"
        settings.mkdir()
        (settings / "overrides.json").write_text(json.dumps(QUIET_SETTINGS), encoding="utf-8")
        runtime = Path(private) / "runtime"
        env = {**(env if env is not None else os.environ), "JUPYTER_RUNTIME_DIR": str(runtime)}
        server = subprocess.Popen([*argv, f"--LabApp.app_settings_dir={settings}"],
                                  cwd=cwd if cwd is not None else private, env=env,  # never the caller's folder
                                  start_new_session=True)
        stop = _on_signals()
        try:
            url = _server_url(server, runtime)
            if url:
                tell(f"open: {url}lab/tree/{urllib.parse.quote(notebook.name)}?token={token}")
            return server.wait()
        except KeyboardInterrupt:
            return 130
        finally:
            stop()
            _end_tree(server)


def _on_signals() -> Callable[[], None]:
    """SIGTERM and SIGHUP end archreview the way Ctrl-C does; the previous handlers come back after."""
    def interrupt(_signum, _frame):
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


def _server_url(server: subprocess.Popen, runtime: Path, timeout: float = 60.0) -> str | None:
    """The base URL the server listens on, from the file it writes in its runtime folder."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        for info in runtime.glob("jpserver-*.json"):
            try:
                data = json.loads(info.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if data.get("pid") == server.pid and data.get("url"):
                return data["url"] if data["url"].endswith("/") else data["url"] + "/"
        time.sleep(0.2)
    return None


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, start time) of a process, from Linux /proc; None when gone or elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), fields[19]


def _descendants(pid: int) -> dict[int, str]:
    """Every process below ``pid`` with its start time (kernels run in their own session, so a group
    signal misses them); none where there is no /proc, and then only the server itself is ended."""
    table = {int(p.name): _stat(int(p.name)) for p in Path("/proc").glob("[0-9]*")}
    found: dict[int, str] = {}
    frontier = {pid}
    while frontier:
        children = {child: st[1] for child, st in table.items() if st and st[0] in frontier and child not in found}
        found.update(children)
        frontier = set(children)
    return found


def _end_tree(server: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM to the server (it shuts its kernels down), then SIGKILL to anything of its tree left,
    each only while it is still the process that was there (same start time, so never a reused pid)."""
    tree = _descendants(server.pid)
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(grace)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    for pid, started in tree.items():
        stat = _stat(pid)
        if stat is not None and stat[1] == started:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass  # gone in between
