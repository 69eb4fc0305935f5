"""The bundled BuildRight sample: built from archreview/data/sample, identical everywhere, two branches."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archreview import sample
from archreview.core.errors import BadPath, CatalogueError
from archreview.sample import AI_BRANCH, BRANCHES, FIT_BRANCH, SAMPLE_BASE


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def heads(repo: Path) -> dict[str, str]:
    return {b: git(repo, "rev-parse", f"refs/heads/{b}").strip() for b in BRANCHES}


def show(repo: Path, ref: str, path: str) -> str:
    return git(repo, "show", f"{ref}:{path}")


def changed(repo: Path, ref: str) -> list[str]:
    return git(repo, "diff", "--name-only", SAMPLE_BASE, ref).split()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample.build_sample(tmp_path_factory.mktemp("sample") / "repo")


# --- determinism -------------------------------------------------------------------


def test_two_builds_give_the_same_commit_ids(built: Path, tmp_path: Path) -> None:
    again = sample.build_sample(tmp_path / "other")
    assert heads(again) == heads(built)
    assert git(again, "log", "--all", "--format=%H %an %ad") == git(built, "log", "--all", "--format=%H %an %ad")


def test_the_machine_git_configuration_and_environment_change_nothing(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(
        "[user]\n name = Someone Else\n email = else@example.com\n"
        "[init]\n defaultBranch = trunk\n[commit]\n gpgsign = true\n[core]\n autocrlf = true\n"
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Intruder")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2001-01-01T00:00:00+00:00")
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    rebuilt = sample.build_sample(tmp_path / "repo")
    monkeypatch.delenv("GIT_DIR")
    assert heads(rebuilt) == heads(built)


def test_rebuilding_over_a_previous_build_is_idempotent(tmp_path: Path) -> None:
    dest = tmp_path / "repo"
    first = heads(sample.build_sample(dest))
    (dest / "stray.txt").write_text("left behind\n")
    assert heads(sample.build_sample(dest)) == first
    assert not (dest / "stray.txt").exists()
    assert not list(tmp_path.glob(".repo.building-*"))


# --- shape of the history ---------------------------------------------------------------


def test_main_is_checked_out_clean_with_several_authors_over_months(built: Path) -> None:
    assert git(built, "symbolic-ref", "--short", "HEAD").strip() == SAMPLE_BASE
    assert git(built, "status", "--porcelain") == ""
    log = git(built, "log", "--format=%an|%ad", "--date=format:%Y-%m", SAMPLE_BASE).splitlines()
    authors = {line.split("|")[0] for line in log}
    months = {line.split("|")[1] for line in log}
    assert len(log) >= 6 and len(authors) >= 2 and len(months) >= 4


def test_both_feature_branches_start_from_main(built: Path) -> None:
    base = heads(built)[SAMPLE_BASE]
    assert git(built, "merge-base", FIT_BRANCH, AI_BRANCH).strip() == base
    for branch in (FIT_BRANCH, AI_BRANCH):
        count = int(git(built, "rev-list", "--count", f"{SAMPLE_BASE}..{branch}"))
        assert 1 <= count <= 3, branch


def test_inert_names_are_restored_and_deletions_applied(built: Path) -> None:
    files = git(built, "ls-files").split()
    assert {".gitignore", "tests/conftest.py", "tests/test_task_service.py"} <= set(files)
    assert not [f for f in files if f.endswith(sample.INERT_SUFFIX)]
    assert "TODO.md" not in files
    assert "TODO.md" in git(built, "log", "--diff-filter=D", "--name-only", "--format=", SAMPLE_BASE).split()


def test_every_python_file_on_every_branch_parses(built: Path) -> None:
    for branch in BRANCHES:
        for path in git(built, "ls-tree", "-r", "--name-only", branch).split():
            if path.endswith(".py"):
                ast.parse(show(built, branch, path), filename=f"{branch}:{path}")


def test_main_declares_its_architecture(built: Path) -> None:
    architecture = show(built, SAMPLE_BASE, "ARCHITECTURE.md")
    assert "## Architecture Overview" in architecture and "### Scale Context" in architecture
    assert "We do NOT use:" in architecture
    import tomllib

    context = tomllib.loads(show(built, SAMPLE_BASE, "archreview.toml"))
    assert context["scale"]["users"] == 50
    layer_paths = [p for layer in context["layers"] for p in layer["paths"]]
    tracked = git(built, "ls-files").split()
    assert all(any(f == p or f.startswith(p + "/") for f in tracked) for p in layer_paths)
    assert show(built, SAMPLE_BASE, "buildright/db.py").count("create_engine(") == 1


def test_main_has_a_few_production_risks_to_find(built: Path) -> None:
    slack = show(built, SAMPLE_BASE, "buildright/integrations/slack.py")
    assert "requests.post(" in slack and "timeout" not in slack
    assert "except Exception:\n        pass" in slack


# --- the two feature branches ----------------------------------------------------------------


def test_fit_branch_adds_no_dependency_and_no_infrastructure(built: Path) -> None:
    assert show(built, FIT_BRANCH, "requirements.txt") == show(built, SAMPLE_BASE, "requirements.txt")
    paths = changed(built, FIT_BRANCH)
    assert "buildright/services/notification_service.py" in paths
    assert all(p.startswith(("buildright/", "tests/")) for p in paths)
    service = show(built, FIT_BRANCH, "buildright/services/notification_service.py")
    assert "NotFoundError" in service and "EmailService" in service
    assert len(service.splitlines()) <= 45
    assert not any("create_engine" in show(built, FIT_BRANCH, p) for p in paths)


@pytest.mark.parametrize(
    ("path", "needle"),
    [
        ("notification_service/Dockerfile", "FROM python"),
        ("docker-compose.yml", "image: rabbitmq:3-management"),
        ("docker-compose.yml", "image: postgres:16"),
        ("notification_service/requirements.txt", "pika"),
        ("notification_service/config/notification.yaml", "dead_letter_exchange"),
        ("notification_service/infrastructure/message_bus.py", "pika.BlockingConnection("),
        ("notification_service/infrastructure/message_bus.py", "x-dead-letter-exchange"),
        ("notification_service/infrastructure/message_bus.py", "stop=stop_after_attempt(5)"),
        ("notification_service/infrastructure/notification_database.py", "create_engine("),
        ("notification_service/infrastructure/notification_database.py", "sessionmaker("),
        ("notification_service/infrastructure/container.py", "containers.DeclarativeContainer"),
        ("notification_service/infrastructure/container.py", "class ServiceLocator"),
        ("notification_service/infrastructure/event_store.py", "def replay("),
        ("notification_service/infrastructure/retry_policy.py", "pybreaker.CircuitBreaker("),
        ("notification_service/infrastructure/push_channel.py", "wait=wait_exponential("),
        ("notification_service/infrastructure/metrics.py", "from prometheus_client import"),
        ("notification_service/domain/channels.py", "class NotificationChannel(ABC)"),
        ("notification_service/application/notification_service.py", "logger.debug("),
        ("buildright/services/task_service.py", "from notification_service."),
        ("buildright/controllers/notifications.py", "from buildright.repositories.user_repository import"),
        ("buildright/controllers/notifications.py", "ServiceLocator.instance().resolve("),
    ],
)
def test_ai_branch_brings_the_ferrari_engine(built: Path, path: str, needle: str) -> None:
    assert needle in show(built, AI_BRANCH, path)


def test_ai_branch_adds_requirements_and_a_second_engine(built: Path) -> None:
    def names(ref: str) -> set[str]:
        lines = show(built, ref, "requirements.txt").splitlines()
        return {line.split("==")[0].strip().lower() for line in lines if line.strip()}

    added = names(AI_BRANCH) - names(SAMPLE_BASE)
    assert {"pika", "tenacity", "pybreaker", "dependency-injector", "prometheus-client"} <= added
    push = show(built, AI_BRANCH, "notification_service/infrastructure/push_channel.py")
    assert "self._session.post(" in push and "timeout" not in push
    assert show(built, AI_BRANCH, "buildright/db.py") == show(built, SAMPLE_BASE, "buildright/db.py")
    assert "notification_service" not in git(built, "grep", "-l", "import", SAMPLE_BASE)


# --- ensure_sample and the marker -------------------------------------------------------------


def test_ensure_sample_keeps_a_fresh_build(tmp_path: Path) -> None:
    dest = sample.build_sample(tmp_path / "repo")
    marker = dest / ".git" / sample.MARKER
    before = marker.stat().st_mtime_ns, marker.stat().st_ino
    assert sample.ensure_sample(dest) == dest.absolute()
    assert (marker.stat().st_mtime_ns, marker.stat().st_ino) == before
    assert json.loads(marker.read_text())["heads"] == heads(dest)


def test_ensure_sample_rebuilds_when_the_sources_change(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(sample.sample_source(), source)
    dest = sample.ensure_sample(tmp_path / "repo", source=source)
    old = heads(dest)
    wsgi = source / "steps" / "01-skeleton" / "wsgi.py"  # no later step replaces it
    wsgi.write_text(wsgi.read_text() + "# one more line\n")
    assert not sample.is_fresh(dest, source)
    sample.ensure_sample(dest, source=source)
    assert sample.is_fresh(dest, source)
    assert heads(dest)[SAMPLE_BASE] != old[SAMPLE_BASE]
    assert show(dest, SAMPLE_BASE, "wsgi.py").endswith("# one more line\n")


@pytest.mark.parametrize("tamper", ["commit", "edit", "marker"])
def test_ensure_sample_rebuilds_a_tampered_build(tmp_path: Path, tamper: str) -> None:
    dest = sample.build_sample(tmp_path / "repo")
    good = heads(dest)
    if tamper == "commit":
        (dest / "extra.txt").write_text("x\n")
        git(dest, "add", "extra.txt")
        git(dest, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "extra")
    elif tamper == "edit":
        (dest / "buildright" / "db.py").write_text("# edited\n")
    else:
        (dest / ".git" / sample.MARKER).write_text("{not json")
    assert not sample.is_fresh(dest)
    sample.ensure_sample(dest)
    assert heads(dest) == good and git(dest, "status", "--porcelain") == ""


def test_a_folder_that_is_not_a_sample_is_never_replaced(tmp_path: Path) -> None:
    dest = tmp_path / "precious"
    dest.mkdir()
    (dest / "thesis.tex").write_text("years of work\n")
    with pytest.raises(BadPath, match="not empty"):
        sample.build_sample(dest)
    with pytest.raises(BadPath):
        sample.ensure_sample(dest)
    assert [p.name for p in dest.iterdir()] == ["thesis.tex"]


def test_an_empty_folder_is_accepted(tmp_path: Path) -> None:
    dest = tmp_path / "empty"
    dest.mkdir()
    assert heads(sample.build_sample(dest))[SAMPLE_BASE]


def test_default_dir_is_the_ignored_build_folder_of_the_checkout() -> None:
    root = Path(sample.__file__).resolve().parents[1]
    assert sample.default_sample_dir() == root / "build" / "sample"
    assert sample.sample_source() == root / "archreview" / "data" / "sample"


# --- history.toml validation --------------------------------------------------------------------

GOOD = """
[authors.a]
name = "A"
email = "a@example.com"

[[commits]]
branch = "main"
step = "one"
author = "a"
date = "2024-01-01T10:00:00+00:00"
message = "first"

[[commits]]
branch = "topic"
from = "main"
step = "one"
author = "a"
date = "2024-01-02T10:00:00+00:00"
message = "second"
"""


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (GOOD.replace('from = "main"\n', ""), "needs from"),
        (GOOD.replace('author = "a"\ndate = "2024-01-02', 'author = "b"\ndate = "2024-01-02'), "not under"),
        (GOOD.replace('step = "one"\nauthor = "a"\ndate = "2024-01-01', 'step = "two"\nauthor = "a"\ndate = "2024-01-01'),
         "no folder"),
        (GOOD.replace("2024-01-01T10:00:00+00:00", "2024-01-01T10:00:00"), "UTC offset"),
        (GOOD.replace("2024-01-01T10:00:00+00:00", "yesterday"), "ISO 8601"),
        (GOOD.replace('message = "first"', 'message = "first"\ncolour = "red"'), "unknown keys"),
        (GOOD.replace("[[commits]]", "[[commit]]"), "at least one"),
        (GOOD + "\n[[commits]\n", "not valid TOML"),
        (GOOD.replace('"main"', '"trunk"'), "first commit must be on main"),
    ],
)
def test_a_broken_history_says_what_to_fix(tmp_path: Path, broken: str, message: str) -> None:
    (tmp_path / "steps" / "one").mkdir(parents=True)
    (tmp_path / "history.toml").write_text(broken)
    with pytest.raises(CatalogueError, match=message):
        sample.load_history(tmp_path)


def test_a_small_history_builds_its_branches(tmp_path: Path) -> None:
    steps = tmp_path / "src" / "steps"
    (steps / "one").mkdir(parents=True)
    (steps / "one" / "a.txt").write_text("a\n")
    (steps / "one" / ".gitignore.sample").write_text("*.pyc\n")
    (steps / "two").mkdir()
    (steps / "two" / "DELETE").write_text("# gone in topic\na.txt\n")
    (steps / "two" / "b.txt").write_text("b\n")
    (tmp_path / "src" / "history.toml").write_text(GOOD.replace('step = "one"\nauthor = "a"\ndate = "2024-01-02', 'step = "two"\nauthor = "a"\ndate = "2024-01-02'))
    repo = sample.build_sample(tmp_path / "out", source=tmp_path / "src")
    assert git(repo, "log", "--format=%s|%an|%ae|%ad|%cd", "--date=iso-strict", "topic").splitlines() == [
        "second|A|a@example.com|2024-01-02T10:00:00+00:00|2024-01-02T10:00:00+00:00",
        "first|A|a@example.com|2024-01-01T10:00:00+00:00|2024-01-01T10:00:00+00:00",
    ]
    assert git(repo, "ls-tree", "-r", "--name-only", "main").split() == [".gitignore", "a.txt"]
    assert git(repo, "ls-tree", "-r", "--name-only", "topic").split() == [".gitignore", "b.txt"]


def test_a_step_that_changes_nothing_is_refused(tmp_path: Path) -> None:
    (tmp_path / "src" / "steps" / "one").mkdir(parents=True)
    (tmp_path / "src" / "steps" / "one" / "a.txt").write_text("a\n")
    (tmp_path / "src" / "history.toml").write_text(GOOD)  # topic re-applies step one: no change
    with pytest.raises(CatalogueError, match="changes nothing"):
        sample.build_sample(tmp_path / "out", source=tmp_path / "src")
    assert not (tmp_path / "out").exists()


def test_missing_sources_say_what_is_expected(tmp_path: Path) -> None:
    with pytest.raises(BadPath, match="history.toml and steps/"):
        sample.load_history(tmp_path)


# --- the shipped files stay inert --------------------------------------------------------------


def test_nothing_under_data_sample_can_be_collected_or_imported() -> None:
    source = sample.sample_source()
    files = [p for p in source.rglob("*") if p.is_file()]
    assert not [p for p in files if p.name.startswith("test_") and p.suffix == ".py"]
    assert not [p for p in files if p.name == "conftest.py"]
    assert not (source / "__init__.py").exists() and not (source / "steps" / "__init__.py").exists()


# --- the command line ----------------------------------------------------------------------------


def test_module_entry_builds_and_prints_the_path(tmp_path: Path) -> None:
    dest = tmp_path / "cli"
    done = subprocess.run([sys.executable, "-m", "archreview.sample", str(dest)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()) == dest.absolute()
    assert git(dest, "branch", "--list", FIT_BRANCH).strip()


def test_module_entry_refuses_a_foreign_folder_with_exit_2(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    done = subprocess.run([sys.executable, "-m", "archreview.sample", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 2
    assert "not empty" in done.stderr and done.stderr.count("\n") == 1


def test_parallel_ensure_sample_calls_agree_on_one_fresh_build(tmp_path: Path) -> None:
    dest = tmp_path / "shared"
    code = "import sys; from archreview.sample import ensure_sample; print(ensure_sample(sys.argv[1]))"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(dest)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, results
    assert {out.strip() for out, _ in results} == {str(dest.absolute())}
    assert sample.is_fresh(dest) and git(dest, "status", "--porcelain") == ""
    assert not list(tmp_path.glob(".shared.building-*"))
