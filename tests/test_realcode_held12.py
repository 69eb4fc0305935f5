"""False-positive causes and a missed shape that held12's labels showed (issue 10; tuned after looking at held12).

Each test builds the shape as the labelled repository had it, small, and a control the detectors must
still report: WebODM, zou, electricitymaps-contrib, keep, Red-DiscordBot and codecov/worker
(bench/README.md, "Thirteenth round").
"""

from __future__ import annotations

import ast
import textwrap

from archreview.analysis.run import analyze
from archreview.checklist.detectors import file_findings
from tests.repos import make_repo


def findings(source: str, path: str = "app/service.py"):
    text = textwrap.dedent(source).lstrip("\n")
    return file_findings(path, ast.parse(text), text)


def rules(source: str, path: str = "app/service.py") -> set[tuple[str, int]]:
    return {(f.rule, f.line) for f in findings(source, path)}


def repo_findings(tmp_path, files: dict[str, str], prefix: str = ""):
    repo = make_repo(tmp_path, [{name: textwrap.dedent(text).lstrip("\n") for name, text in files.items()}])
    return [f for f in analyze(repo.path, use_cache=False).findings if f.rule.startswith(prefix)]


# --- dual writes: a thread pool is no publish (WebODM app/models/task.py) -------------------------------------


def test_work_submitted_to_a_thread_pool_after_a_save_is_no_publish_but_a_celery_task_is():
    source = """
        from concurrent.futures import ThreadPoolExecutor
        from django.db import models
        from app.tasks import process_task


        def resize_images(task, images_path):
            task.save()
            with ThreadPoolExecutor(max_workers=4) as pool_of_threads:
                futures = [pool_of_threads.submit(resize_image, p) for p in images_path]
            executor = make_executor()
            executor.submit(resize_image, images_path[0])
            task.status = "queued"
            task.save()
            process_task.delay(task.id)
            return [f.result() for f in futures]
    """
    found = rules(source)
    assert ("dual_write.commit_then_publish", 14) in found  # the Celery task after the save stays
    assert not {r for r in found if r[0].startswith("dual_write.") and r[1] in (9, 11)}


# --- retries: a backoff's delay() is a number of seconds (Red-DiscordBot cogs/audio/manager.py) ---------------


def test_a_backoff_delay_in_a_retry_loop_is_no_publish_but_a_celery_delay_is():
    source = """
        import asyncio
        from discord.backoff import ExponentialBackoff
        from app.tasks import notify_admins


        async def keep_node_alive(manager):
            backoff = ExponentialBackoff(base=3)
            policy = ExponentialBackoff(base=3)
            while True:
                try:
                    await manager.start()
                except asyncio.TimeoutError:
                    delay = backoff.delay()
                    await asyncio.sleep(policy.delay())
                    notify_admins.delay("restarting")
                    await asyncio.sleep(delay)
    """
    found = {r for r in rules(source) if r[0] == "retry.non_idempotent"}
    assert found == {("retry.non_idempotent", 15)}


# --- transactions: form.save(commit=False) writes nothing (WebODM app/views/app.py) --------------------------


def test_a_form_save_without_commit_is_no_write_but_two_saves_are_two():
    welcome = """
        from django.shortcuts import redirect
        from app.forms import FirstUserForm


        def welcome(request):
            fuf = FirstUserForm(request.POST)
            if fuf.is_valid():
                admin_user = fuf.save(commit=False)
                admin_user.is_superuser = True
                admin_user.save()
                return redirect("dashboard")
    """
    assert not {r for r in rules(welcome, "app/views/app.py") if r[0] == "transaction.multiple_commits"}
    both = welcome.replace("fuf.save(commit=False)", "fuf.save()")
    assert {r for r in rules(both, "app/views/app.py") if r[0] == "transaction.multiple_commits"}


def test_a_save_then_save_m2m_is_two_writes_on_the_line_of_the_second():  # Argus htmx/notificationprofile/views.py
    source = """
        from django.views.generic import CreateView


        class NotificationProfileCreateView(CreateView):
            def form_valid(self, form):
                self.object = form.save(commit=False)
                self.object.user = self.request.user
                self.object.save()
                form.save_m2m()
                return self.form_valid_response()
    """
    found = {r for r in rules(source, "argus/htmx/views.py") if r[0] == "transaction.multiple_commits"}
    assert found == {("transaction.multiple_commits", 9)}


# --- async: pytest fixtures shipped in the package (Red-DiscordBot redbot/pytest/downloader.py) ----------------


def test_an_async_pytest_fixture_inside_the_package_is_test_set_up_but_a_command_is_not():
    source = """
        import subprocess as sp
        import pytest


        @pytest.fixture(scope="session")
        async def session_git_repo(tmp_path_factory):
            sp.run(("git", "reset", "--hard"))
            return tmp_path_factory


        async def update_repo(ctx, path):
            sp.run(("git", "pull"), cwd=path)
    """
    found = {r for r in rules(source, "redbot/pytest/downloader.py") if r[0] == "async.blocking_call"}
    assert found == {("async.blocking_call", 12)}


# --- one-product patterns: an enumeration of strategies (keep workflowmanager/workflow.py) -----------------------


def test_an_enum_named_strategy_is_no_one_product_pattern_but_a_lone_strategy_class_is(tmp_path):
    workflow = """
        import enum


        class WorkflowStrategy(enum.Enum):
            NONPARALLEL = "nonparallel"
            NONPARALLEL_WITH_RETRY = "nonparallel_with_retry"
            PARALLEL = "parallel"
    """
    pricing = """
        class PricingStrategy:
            def price(self, item):
                return item.price
    """
    enum_only = repo_findings(tmp_path / "enum", {"keep/__init__.py": "", "keep/workflow.py": workflow},
                              "overengineering.one_product_pattern")
    assert enum_only == []
    lone = repo_findings(tmp_path / "class", {"keep/__init__.py": "", "keep/pricing.py": pricing},
                         "overengineering.one_product_pattern")
    assert [f.path for f in lone] == ["keep/pricing.py"]


# --- missed on held12: a client made when none is handed in (electricitymaps-contrib parsers/EIA.py, NZ.py) -------


def test_a_session_made_when_none_is_handed_in_has_no_timeout_unless_it_is_given_one():
    source = """
        from requests import Session


        def _fetch_any(url, session=None):
            s = session or Session()
            return s.get(url).json()


        def fetch(session=None):
            r = session if session else Session()
            return r.get("https://example.org").text


        def fetch_timed(url, session=None):
            t = session or Session()
            return t.get(url, timeout=30).json()
    """
    found = {r for r in rules(source, "parsers/EIA.py") if r[0].startswith("timeout.")}
    assert found == {("timeout.client_default", 6), ("timeout.client_default", 11)}
