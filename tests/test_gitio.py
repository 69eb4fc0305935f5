"""gitio on real repositories built in tmp_path: refs, trees, blobs, churn, diffs, safety."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from repos import Branch, Repo, Symlink, git_env, make_repo

from archreview.sources import git as gitio
from archreview.core.errors import ArchReviewError, BadRef, ToolMissing
from archreview.core.model import Churn

ODD_NAMES = [
    "with space.py",
    'quote"d.py',
    "single'q.py",
    "new\nline.py",
    "tab\there.py",
    "<script>alert(1)</script>.py",
    "caf\u00e9/\u00fcber.py",
    b"latin\xe9.py".decode("utf-8", "surrogateescape"),  # not UTF-8 on disk
    "back\\slash.py",
    "-dash.py",
]


@pytest.fixture
def history(tmp_path: Path) -> Repo:
    """main: add a, b; edit a, delete b; feature: rename a -> pkg/moved (edited) and add c."""
    a_v1 = "".join(f"line {i}\n" for i in range(1, 21))
    a_v2 = a_v1.replace("line 5\n", "line five\n")
    moved = a_v2.replace("line 10\n", "line ten\n") + "line 21\n"
    return make_repo(
        tmp_path,
        [{"a.py": a_v1, "b.py": "b = 1\nb = 2\n"}, {"a.py": a_v2, "b.py": None}],
        branches={"feature": [{"a.py": None, "pkg/moved.py": moved, "c.py": "c = 1\n"}]},
    )


# --- repositories and refs ------------------------------------------------------


def test_is_git_repo_tells_work_tree_top_bare_and_folders_apart(tmp_path: Path, history: Repo) -> None:
    (history.path / "sub").mkdir()
    bare = make_repo(tmp_path, [{"x.py": "x\n"}], name="other", bare=True)
    assert gitio.is_git_repo(history.path)
    assert gitio.is_git_repo(bare.path)
    assert not gitio.is_git_repo(history.path / "sub")  # inside a work tree, not its top
    assert not gitio.is_git_repo(tmp_path / "missing")
    plain = tmp_path / "plain"
    plain.mkdir()
    assert not gitio.is_git_repo(plain)


@pytest.mark.parametrize("ref", ["main", "feature", "main~1", "HEAD", "refs/heads/feature"])
def test_resolve_gives_the_full_commit_id(history: Repo, ref: str) -> None:
    expected = history.git("rev-parse", f"{ref}^{{commit}}").strip()
    assert gitio.resolve(history.path, ref) == expected
    assert len(expected) == 40


def test_resolve_accepts_a_short_id_and_a_tag(history: Repo) -> None:
    history.git("tag", "-a", "v1", "-m", "release", history.commits[0])  # annotated: peeled to the commit
    assert gitio.resolve(history.path, "v1") == history.commits[0]
    assert gitio.resolve(history.path, history.commits[1][:8]) == history.commits[1]


@pytest.mark.parametrize("ref", ["--output=x", "-p", "", "main\nHEAD", "ma\0in", "--end-of-options"])
def test_resolve_refuses_refs_that_look_like_options(
    tmp_path: Path, history: Repo, ref: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BadRef, match="refusing ref"):
        gitio.resolve(history.path, ref)
    assert not (tmp_path / "x").exists() and not (history.path / "x").exists()


@pytest.mark.parametrize("ref", ["nope", "main~99", "HEAD:a.py", "v9.9"])
def test_resolve_reports_unknown_refs_with_a_fix(history: Repo, ref: str) -> None:
    with pytest.raises(BadRef) as caught:
        gitio.resolve(history.path, ref)
    assert f"unknown ref {ref!r}" in str(caught.value)
    assert "use a branch, tag or commit id" in str(caught.value)


def test_resolve_refuses_a_tree_id(history: Repo) -> None:
    tree = history.git("rev-parse", "main^{tree}").strip()
    with pytest.raises(BadRef):
        gitio.resolve(history.path, tree)


def test_describe_commit(history: Repo) -> None:
    info = gitio.describe_commit(history.path, history.branches["feature"][0])
    assert info.id == history.branches["feature"][0]
    assert info.id.startswith(info.short_id) and 7 <= len(info.short_id) < 40
    assert (info.author, info.subject) == ("Ada Reviewer", "commit 3")
    assert info.date == "2024-01-04T10:00:00+00:00"


def test_git_failure_on_a_valid_repo_is_a_user_error_with_gits_message(history: Repo) -> None:
    missing = "0" * 40
    with pytest.raises(ArchReviewError) as caught:
        gitio.list_tree(history.path, missing)
    assert "git ls-tree failed" in str(caught.value) and "fatal" in str(caught.value)


def test_missing_git_binary_is_tool_missing(history: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(history.path / "no-bin-here"))
    with pytest.raises(ToolMissing, match="install git"):
        gitio.resolve(history.path, "main")
    with pytest.raises(ToolMissing):
        list(gitio.read_blobs(history.path, [history.commits[0]]))


def test_a_repo_owned_by_someone_else_can_still_be_read(tmp_path: Path, history: Repo) -> None:
    if os.geteuid() != 0:
        pytest.skip("changing a folder's owner needs root")  # the CI container runs as root
    subprocess.run(["chown", "-R", "12345:12345", str(history.path)], check=True)
    plain = subprocess.run(["git", "-C", str(history.path), "rev-parse", "HEAD"], capture_output=True, env=git_env())
    assert b"dubious ownership" in plain.stderr  # git alone refuses it
    assert gitio.is_git_repo(history.path)
    assert gitio.resolve(history.path, "main") == history.commits[-1]


# --- trees and blobs -------------------------------------------------------------


def test_list_tree_keeps_odd_names_exact(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, [{name: f"# {i}\n" for i, name in enumerate(ODD_NAMES)}])
    entries = gitio.list_tree(repo.path, repo.commits[0])
    assert [e.path for e in entries] == sorted(ODD_NAMES)
    contents = dict(gitio.read_blobs(repo.path, [e.blob for e in entries]))
    for entry in entries:
        assert contents[entry.blob] == f"# {ODD_NAMES.index(entry.path)}\n".encode()
        assert entry.size == len(contents[entry.blob])


def test_list_tree_marks_symlinks_and_executables(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, [{"run.sh": "#!/bin/sh\n", "link.py": Symlink("run.sh"), "d/x.py": "x\n"}])
    repo.git("update-index", "--chmod=+x", "run.sh")
    repo.git("commit", "-q", "-m", "exec")
    modes = {e.path: e.mode for e in gitio.list_tree(repo.path, "HEAD")}
    assert modes == {"d/x.py": "100644", "link.py": "120000", "run.sh": "100755"}


def test_list_tree_reads_any_ref_without_touching_the_work_tree(history: Repo) -> None:
    before = sorted(os.listdir(history.path))
    at_feature = [e.path for e in gitio.list_tree(history.path, "feature")]
    at_first = [e.path for e in gitio.list_tree(history.path, history.commits[0])]
    assert at_feature == ["c.py", "pkg/moved.py"]
    assert at_first == ["a.py", "b.py"]
    assert sorted(os.listdir(history.path)) == before
    assert history.git("rev-parse", "--abbrev-ref", "HEAD").strip() == "main"


def test_read_blobs_streams_in_the_order_asked_with_repeats(history: Repo) -> None:
    entries = {e.path: e.blob for e in gitio.list_tree(history.path, history.commits[0])}
    order = [entries["b.py"], entries["a.py"], entries["b.py"]]
    got = list(gitio.read_blobs(history.path, order))
    assert [oid for oid, _ in got] == order
    assert got[0][1] == got[2][1] == b"b = 1\nb = 2\n"
    assert got[1][1].startswith(b"line 1\n")


def test_read_blobs_handles_many_and_large_blobs(tmp_path: Path) -> None:
    files = {f"f{i:03}.txt": (f"{i}\n" * (i * 50)) for i in range(200)}
    files["huge.bin"] = bytes(range(256)) * 20_000  # 5 MB, larger than any pipe buffer
    repo = make_repo(tmp_path, [files])
    entries = gitio.list_tree(repo.path, "main")
    got = list(gitio.read_blobs(repo.path, [e.blob for e in entries]))
    expected = [files[e.path] for e in entries]
    assert [d for _, d in got] == [c.encode() if isinstance(c, str) else c for c in expected]


def test_read_blobs_stopped_early_leaves_no_process(history: Repo) -> None:
    blobs = [e.blob for e in gitio.list_tree(history.path, history.commits[0])]
    stream = gitio.read_blobs(history.path, blobs * 500)
    next(stream)
    stream.close()  # must kill and reap cat-file, not hang
    assert next(gitio.read_blobs(history.path, blobs))[0] == blobs[0]


def test_read_objects_reports_a_missing_object_and_goes_on(history: Repo) -> None:
    blob = gitio.list_tree(history.path, history.commits[0])[0].blob
    got = list(gitio.read_objects(history.path, ["1" * 40, blob]))
    assert got[0] == ("1" * 40, None) and got[1][0] == blob and got[1][1]
    with pytest.raises(ArchReviewError, match="missing"):
        list(gitio.read_blobs(history.path, ["1" * 40]))


@pytest.mark.parametrize("oid", ["HEAD", "main:a.py", "abc", "0" * 39 + "\n" + "0"])
def test_read_blobs_accepts_only_object_ids(history: Repo, oid: str) -> None:
    with pytest.raises(ValueError, match="not a full object id"):
        list(gitio.read_blobs(history.path, [oid]))


def test_tree_entry_finds_exact_paths_only(history: Repo) -> None:
    assert gitio.tree_entry(history.path, "feature", "pkg/moved.py").path == "pkg/moved.py"
    assert gitio.tree_entry(history.path, "feature", "pkg/moved.py").mode == "100644"
    assert gitio.tree_entry(history.path, "feature", "pkg").mode == "040000"
    assert gitio.tree_entry(history.path, "feature", "pkg/*.py") is None  # no glob
    assert gitio.tree_entry(history.path, "feature", "a.py") is None


# --- churn ---------------------------------------------------------------------


def test_churn_counts_commits_and_lines_on_a_known_history(history: Repo) -> None:
    assert gitio.churn(history.path, "main") == (
        Churn("a.py", commits=2, added=21, deleted=1),
        Churn("b.py", commits=2, added=2, deleted=2),
    )
    feature = {c.path: c for c in gitio.churn(history.path, "feature")}
    assert feature["a.py"] == Churn("a.py", 3, 21, 21)  # --no-renames: the move deletes a.py
    assert feature["pkg/moved.py"] == Churn("pkg/moved.py", 1, 21, 0)
    assert feature["c.py"] == Churn("c.py", 1, 1, 0)


def test_churn_counts_binary_files_as_commits_only(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, [{"logo.bin": b"\0\1\2"}, {"logo.bin": b"\0\1\3\4"}, {"x.py": "x\n"}])
    assert gitio.churn(repo.path, "main") == (Churn("logo.bin", 2, 0, 0), Churn("x.py", 1, 1, 0))


def test_churn_is_bounded_by_window_and_count(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, [{"a.py": f"v = {i}\n"} for i in range(10)])  # one commit a day
    assert gitio.churn(repo.path, "main")[0].commits == 10
    assert gitio.churn(repo.path, "main", days=3)[0].commits == 4  # the head's day and 3 before it
    assert gitio.churn(repo.path, "main", max_commits=5)[0].commits == 5
    assert gitio.churn(repo.path, repo.commits[2])[0].commits == 3  # window ends at the commit given


def test_churn_leaves_merges_out(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, [{"a.py": "a\n"}], branches={"side": [{"b.py": "b\n"}]})
    repo.commit({"a.py": "a\nA\n"})
    repo.git("merge", "-q", "--no-ff", "-m", "merge", "side")
    churned = {c.path: c.commits for c in gitio.churn(repo.path, "main")}
    assert churned == {"a.py": 2, "b.py": 1}


def test_churn_keeps_odd_names(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, [{name: "x\n" for name in ODD_NAMES}])
    assert [c.path for c in gitio.churn(repo.path, "main")] == sorted(ODD_NAMES)


# --- changes between two commits ---------------------------------------------------


def test_changed_lines_on_a_known_diff(history: Repo) -> None:
    lines = gitio.changed_lines(history.path, history.commits[0], "feature")
    # a.py line 5 was edited on main, line 10 and a new last line on the branch;
    # the file moved, so only those lines are new, not all 21
    assert lines == {"c.py": frozenset({1}), "pkg/moved.py": frozenset({5, 10, 21})}


def test_changed_lines_for_added_modified_and_deleted_lines(tmp_path: Path) -> None:
    before = "".join(f"{i}\n" for i in range(1, 11))
    after = "0\n1\n2\nTHREE\n4\n5\n7\n8\n9\n10\n11\n12\n"  # insert at top, modify 3, drop 6, append
    repo = make_repo(tmp_path, [{"n.txt": before}, {"n.txt": after}])
    lines = gitio.changed_lines(repo.path, repo.commits[0], repo.commits[1])
    assert lines == {"n.txt": frozenset({1, 4, 11, 12})}


def test_changed_lines_keeps_a_pure_rename_and_a_binary_with_no_lines(tmp_path: Path) -> None:
    text = "".join(f"row {i}\n" for i in range(30))
    repo = make_repo(tmp_path, [{"old.py": text, "img.bin": b"\0a"}, {"old.py": None, "new.py": text, "img.bin": b"\0b"}])
    assert gitio.changed_lines(repo.path, repo.commits[0], repo.commits[1]) == {
        "img.bin": frozenset(),
        "new.py": frozenset(),
    }


def test_changed_lines_and_paths_keep_odd_names(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, [{"keep.py": "k\n"}, {name: "a\nb\n" for name in ODD_NAMES}])
    lines = gitio.changed_lines(repo.path, repo.commits[0], repo.commits[1])
    assert lines == {name: frozenset({1, 2}) for name in ODD_NAMES}
    assert gitio.changed_paths(repo.path, repo.commits[0], repo.commits[1]) == tuple(sorted(ODD_NAMES))


def test_changed_lines_ignore_file_content_that_looks_like_diff_headers(tmp_path: Path) -> None:
    tricky = "+++ b/evil.py\n@@ -1 +1,9 @@\ndiff --git a/x b/x\n--- a/y\n"
    repo = make_repo(tmp_path, [{"t.txt": "start\n"}, {"t.txt": "start\n" + tricky}])
    lines = gitio.changed_lines(repo.path, repo.commits[0], repo.commits[1])
    assert lines == {"t.txt": frozenset({2, 3, 4, 5})}


def test_changed_paths_lists_added_modified_and_renamed_to(history: Repo) -> None:
    assert gitio.changed_paths(history.path, history.commits[0], "feature") == ("c.py", "pkg/moved.py")
    assert gitio.changed_paths(history.path, history.commits[0], history.commits[1]) == ("a.py",)  # b.py deleted
    assert gitio.changed_paths(history.path, "feature", "feature") == ()


def test_merge_base_of_a_branch(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, [{"a": "1"}, {"a": "2"}], branches={"f": Branch([{"b": "1"}], at=0)})
    assert gitio.merge_base(repo.path, "main", "f") == repo.commits[0]


# --- the repository's config must not run anything ------------------------------------


HOOK = "#!/bin/sh\necho \"$0 $*\" >> '{marker}'\ncat \"$1\" 2>/dev/null\nexit 0\n"


def _hostile_repo(tmp_path: Path) -> tuple[Repo, Path]:
    """A repo whose own config names a script for every hook git knows how to run."""
    marker = tmp_path / "MARKER"
    script = tmp_path / "evil.sh"
    script.write_text(HOOK.format(marker=marker))
    script.chmod(0o755)
    repo = make_repo(
        tmp_path,
        [{".gitattributes": "* diff=evil\n", "a.py": "a = 1\n"}, {"a.py": "a = 2\nb = 3\n", "c.py": "c\n"}],
        config={
            "core.fsmonitor": str(script), "core.hooksPath": str(tmp_path / "hooks"), "diff.external": str(script),
            "diff.evil.textconv": str(script), "diff.evil.command": str(script), "core.pager": str(script),
            "pager.log": str(script), "log.showSignature": "true", "gpg.program": str(script),
            "core.sshCommand": str(script), "core.askPass": str(script),
        },
    )
    (tmp_path / "hooks").mkdir()
    for hook in ("pre-commit", "post-checkout", "reference-transaction", "post-index-change"):
        (tmp_path / "hooks" / hook).write_text(HOOK.format(marker=marker))
        (tmp_path / "hooks" / hook).chmod(0o755)
    _add_signed_commit(repo)
    return repo, marker


def _add_signed_commit(repo: Repo) -> None:
    """A commit carrying a (fake) signature, so that log.showSignature would call gpg."""
    tree, parent = repo.git("rev-parse", "HEAD^{tree}", "HEAD").split()
    body = (
        f"tree {tree}\nparent {parent}\nauthor A <a@b> 1704103200 +0000\ncommitter A <a@b> 1704103200 +0000\n"
        "gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQ==\n -----END PGP SIGNATURE-----\n\nsigned\n"
    )
    commit = repo.git("hash-object", "-t", "commit", "-w", "--stdin", input=body.encode()).strip()
    repo.git("update-ref", "refs/heads/main", commit)
    repo.commits.append(commit)


def test_the_hostile_repo_does_run_scripts_under_plain_git(tmp_path: Path) -> None:
    """The control: without archreview's options each setting fires, so the next test can fail."""
    repo, marker = _hostile_repo(tmp_path)
    fired = {}
    for name, args in {
        "fsmonitor": ["status"], "textconv": ["log", "-p", "-1", "HEAD~1"], "gpg": ["log", "-1"],
        "ext diff": ["-c", "diff.evil.textconv=", "diff", "HEAD~2", "HEAD"],
    }.items():
        marker.unlink(missing_ok=True)
        subprocess.run(["git", "-C", str(repo.path), *args], capture_output=True, env=git_env())
        fired[name] = marker.exists()
    assert fired == {"fsmonitor": True, "textconv": True, "gpg": True, "ext diff": True}


def test_nothing_in_the_repo_config_runs_under_gitio(tmp_path: Path) -> None:
    repo, marker = _hostile_repo(tmp_path)
    marker.unlink(missing_ok=True)
    first, head = repo.commits[0], gitio.resolve(repo.path, "main")
    assert gitio.is_git_repo(repo.path)
    gitio.describe_commit(repo.path, head)
    entries = gitio.list_tree(repo.path, head)
    assert dict(gitio.read_blobs(repo.path, [e.blob for e in entries]))
    assert {c.path for c in gitio.churn(repo.path, head)} == {".gitattributes", "a.py", "c.py"}
    assert gitio.changed_lines(repo.path, first, head) == {"a.py": frozenset({1, 2}), "c.py": frozenset({1})}
    assert gitio.changed_paths(repo.path, first, head) == ("a.py", "c.py")
    gitio.merge_base(repo.path, first, head)
    gitio.tree_entry(repo.path, head, "a.py")
    assert not marker.exists(), marker.read_text()


def test_output_does_not_depend_on_the_repos_formatting_config(tmp_path: Path, history: Repo) -> None:
    def everything(repo: Repo) -> tuple:
        base, head = repo.commits[0], repo.branches["feature"][0]
        return (gitio.list_tree(repo.path, head), gitio.churn(repo.path, head),
                gitio.changed_lines(repo.path, base, head), gitio.changed_paths(repo.path, base, head),
                gitio.describe_commit(repo.path, head))

    clean = everything(history)
    for key, value in {
        "diff.noprefix": "true", "diff.mnemonicPrefix": "true", "color.ui": "always", "core.quotePath": "false",
        "diff.context": "7", "diff.interHunkContext": "9", "diff.renames": "false", "diff.relative": "true",
        "i18n.logOutputEncoding": "UTF-16", "log.decorate": "full", "core.abbrev": "12", "diff.algorithm": "patience",
        "format.pretty": "raw", "diff.suppressBlankEmpty": "true", "diff.srcPrefix": "x/", "diff.dstPrefix": "y/",
    }.items():
        history.git("config", key, value)
    configured = everything(history)
    assert configured[:4] == clean[:4]
    assert configured[4].id == clean[4].id and configured[4].subject == clean[4].subject


def test_environment_pointing_elsewhere_is_ignored(tmp_path: Path, history: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    other = make_repo(tmp_path, [{"z.py": "z\n"}], name="other")
    monkeypatch.setenv("GIT_DIR", str(other.path / ".git"))
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", "/bin/false")
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'core.fsmonitor'='/bin/false'")
    assert [e.path for e in gitio.list_tree(history.path, "main")] == ["a.py"]
    assert gitio.changed_paths(history.path, history.commits[0], "feature") == ("c.py", "pkg/moved.py")


def test_c_unquote() -> None:
    assert gitio.c_unquote(b'"a\\tb\\n\\"q\\"\\\\ \\303\\251"') == "a\tb\n\"q\"\\ \u00e9".encode()


def test_mirror_clones_then_fetches_and_refuses_transports_that_run_commands(tmp_path: Path, history: Repo) -> None:
    target = tmp_path / "mirrors" / "one"
    target.parent.mkdir()
    gitio.mirror(history.path.as_uri(), target)
    assert gitio.resolve(target, "feature") == gitio.resolve(history.path, "feature")
    gitio.mirror(history.path.as_uri(), target)  # a second time: fetched again, not cloned over
    marker = tmp_path / "ran"
    with pytest.raises(gitio.GitError, match="clone failed"):
        gitio.mirror(f"ext::sh -c touch% {marker}", tmp_path / "mirrors" / "two")
    assert not marker.exists()


def test_no_module_but_gitio_runs_git() -> None:
    """Every git command line in the package is built by archreview.sources.git (argv lists starting "git")."""
    import ast

    import archreview

    root = Path(archreview.__file__).parent
    runners = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.List, ast.Tuple)) and node.elts and isinstance(node.elts[0], ast.Constant) \
                    and node.elts[0].value == "git":
                runners.append(path.relative_to(root).as_posix())
    assert set(runners) == {"sources/git.py"}


def test_a_real_branch_or_tag_named_with_a_dash_resolves_by_its_full_name(history: Repo, tmp_path, monkeypatch) -> None:
    """Issue 15 case 8: `-foo` is a branch here, so it resolves; `--output=x` stays refused even as a real ref."""
    monkeypatch.chdir(tmp_path)
    history.git("update-ref", "refs/heads/-foo", history.commits[0])
    history.git("update-ref", "refs/tags/-v2", history.commits[1])
    history.git("update-ref", "refs/heads/--output=x", history.commits[0])
    assert gitio.resolve(history.path, "-foo") == history.commits[0]
    assert gitio.resolve(history.path, "-v2") == history.commits[1]
    for ref in ("--output=x", "-p", "-nosuch"):
        with pytest.raises(BadRef, match="refusing ref"):
            gitio.resolve(history.path, ref)
    assert not (tmp_path / "x").exists() and not (history.path / "x").exists()
