"""``archreview lab``: JupyterLab on a parameterised copy of the workbook, on loopback."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from archreview.analysis.run import check_path
from archreview.report.notebook import check_inputs, notebook_path
from archreview.workbook.params import Parameters, absolute


def prepare(params: Parameters, workdir: str | os.PathLike) -> Path:
    """papermill's prepare_only: parameters injected, nothing executed."""
    import papermill as pm

    check_inputs(params)
    root = check_path(params.repo)
    label = re.sub(r"[^A-Za-z0-9_.-]+", "-", "-".join(p for p in (root.name, params.head) if p)).strip("-")
    target = Path(workdir).resolve() / f"review-{label or 'repo'}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    if params.decisions is None:  # decisions live next to the workbook unless told otherwise
        params = Parameters(**{**params.as_dict(), "decisions": str(target.with_suffix(".decisions.json"))})
    pm.execute_notebook(str(notebook_path()), str(target), parameters=absolute(params).as_dict(),
                        prepare_only=True, progress_bar=False)
    return target


def open_lab(params: Parameters, workdir: str | os.PathLike, *, port: int = 0, open_browser: bool = True) -> int:
    notebook = prepare(params, workdir)
    token = secrets.token_urlsafe(24)
    argv = [sys.executable, "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
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
    print(f"workbook: {notebook}", file=sys.stderr)
    return subprocess.call(argv)
