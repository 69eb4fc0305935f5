"""A request with no timeout inside a Celery task run under a time limit does not hold a worker for good.

Shapes from IntelOwl (held11, tuned after looking): ``@shared_task(soft_time_limit=300)`` tasks, an
app-wide ``app.conf.update(task_time_limit=1800)``, and analyzer plugins loaded by name from a database
row (``import_string(f"{base_path}.{module}")``) that only the ``run_plugin`` task runs.
"""

from __future__ import annotations

import dataclasses

import pytest

from archreview.analysis.perfile import analyse_file
from archreview.analysis.run import analyze
from archreview.checklist.placement import place
from archreview.checklist.rules import REPORT_FLOOR
from archreview.checklist.across.timelimits import TAIL, place_time_limited
from archreview.core.model import CeleryTask, FileFacts, Finding, RepoFacts, TaskTimeLimit
from tests.repos import make_repo

TASKS = """\
import requests
from celery import shared_task


@shared_task(base=FailureLoggedTask, soft_time_limit={limit})
def execute_ingestor(url):
    return requests.get(url).json()


@shared_task
def refresh(url):
    return requests.get(url).json()
"""
CELERY = """\
from celery import Celery

app = Celery("intel_owl")
app.conf.update(
    task_default_queue="default",
    task_time_limit=1800,
    worker_max_tasks_per_child=1000,
)
"""
ANALYZER = """\
import requests

from shop.analyzers.classes import ObservableAnalyzer


class {name}(ObservableAnalyzer):
    def run(self):
        return requests.get(self.url, headers={{"Key": self._api_key}}).json()
"""
CLASSES = "class ObservableAnalyzer:\n    url = ''\n"
MODELS = """\
from django.utils.module_loading import import_string


class PythonModule:
    base_path = "shop.analyzers.observable"

    @property
    def python_class(self):
        return import_string(f"shop.analyzers.observable.{self.module}")
"""
PLUGINS = {"shop/__init__.py": "", "shop/models.py": MODELS, "shop/analyzers/__init__.py": "",
           "shop/analyzers/classes.py": CLASSES, "shop/analyzers/observable/__init__.py": "",
           "shop/analyzers/observable/abuseipdb.py": ANALYZER.format(name="AbuseIPDB"),
           "shop/analyzers/observable/shodan.py": ANALYZER.format(name="Shodan")}


def _findings(tmp_path, files, path):
    repo = make_repo(tmp_path, [files])
    found = [f for f in analyze(repo.path, use_cache=False).findings if f.path == path and f.rule == "timeout.missing"]
    assert found, "the detector must fire for the placement to mean anything"
    return found


def _bounded(f) -> bool:
    return TAIL[:-1] in f.message and f.confidence < REPORT_FLOOR


def test_a_call_inside_a_task_with_its_own_time_limit_is_placed_lower(tmp_path):
    limited, free = _findings(tmp_path, {"shop/__init__.py": "", "shop/tasks.py": TASKS.format(limit=300)}, "shop/tasks.py")
    assert _bounded(limited) and "execute_ingestor, run under soft_time_limit=300" in limited.message
    assert not _bounded(free) and free.confidence >= REPORT_FLOOR  # no limit of its own, none app-wide


def test_a_time_limit_of_none_bounds_nothing(tmp_path):
    found = _findings(tmp_path, {"shop/__init__.py": "", "shop/tasks.py": TASKS.format(limit="None")}, "shop/tasks.py")
    assert not any(_bounded(f) for f in found)


@pytest.mark.parametrize("config", [
    pytest.param({"shop/celery.py": CELERY}, id="app-conf-update"),
    pytest.param({"shop/celery.py": 'from celery import Celery\n\napp = Celery("shop")\napp.conf.task_soft_time_limit = 60\n'},
                 id="app-conf-attribute"),
    pytest.param({"shop/settings.py": "CELERY_TASK_TIME_LIMIT = 30 * 60\n"}, id="django-settings"),
    pytest.param({"shop/settings.py": "CELERYD_TASK_TIME_LIMIT = 600\n"}, id="old-setting-name"),
])
def test_an_app_wide_limit_bounds_every_task(tmp_path, config):
    files = {"shop/__init__.py": "", "shop/tasks.py": TASKS.format(limit=300), **config}
    limited, free = _findings(tmp_path, files, "shop/tasks.py")
    assert _bounded(limited) and _bounded(free) and "refresh, run under the app-wide" in free.message


def test_plugins_loaded_by_name_under_an_app_wide_limit_are_placed_lower_and_say_why(tmp_path):
    [plugin] = _findings(tmp_path, {**PLUGINS, "shop/celery.py": CELERY}, "shop/analyzers/observable/shodan.py")
    assert _bounded(plugin) and "plugin module nothing imports" in plugin.message
    assert "shop/celery.py:6 task_time_limit=1800" in plugin.message and "control command" in plugin.message


def test_a_plugin_a_test_imports_is_still_a_plugin(tmp_path):
    # who imports whom is one map of the repository facts; here (not in checklist.across.reach) tests do not count
    test = "from shop.analyzers.observable.shodan import Shodan\n\n\ndef test_shodan():\n    assert Shodan\n"
    [plugin] = _findings(tmp_path, {**PLUGINS, "shop/celery.py": CELERY, "tests/test_shodan.py": test},
                         "shop/analyzers/observable/shodan.py")
    assert _bounded(plugin) and plugin.placement == "time_limited" and "plugin module nothing imports" in plugin.message


def test_plugins_without_an_app_wide_limit_keep_their_place(tmp_path):
    [plugin] = _findings(tmp_path, PLUGINS, "shop/analyzers/observable/shodan.py")
    assert not _bounded(plugin) and plugin.confidence >= REPORT_FLOOR


def test_a_module_a_view_imports_keeps_its_place_under_an_app_wide_limit(tmp_path):
    # IntelOwl's api_app/mixins.py: the VirusTotal mixin the analyzers use sits beside PaginationMixin, which views import
    mixins = "import requests\n\n\nclass PaginationMixin:\n    pass\n\n\ndef vt_get(url):\n    return requests.get(url)\n"
    views = "from shop.mixins import PaginationMixin\n\n\nclass JobView(PaginationMixin):\n    pass\n"
    files = {**PLUGINS, "shop/celery.py": CELERY, "shop/mixins.py": mixins, "shop/views.py": views,
             "shop/analyzers/observable/other.py": "from shop.mixins import vt_get\n"}
    [kept] = _findings(tmp_path, files, "shop/mixins.py")
    assert not _bounded(kept) and kept.confidence >= REPORT_FLOOR


def test_a_finding_placed_already_keeps_its_one_scaling_whatever_its_message_says():
    # the placement is read from Finding.placement, not from the note at the end of the message
    tasks = FileFacts("shop/tasks.py", "python", celery_tasks=(CeleryTask("execute_ingestor", 5, 7, "soft_time_limit=300"),))
    found = Finding(1, "shop/tasks.py", 7, "requests.get without a timeout", 0.8, rule="timeout.missing")
    [command] = place([found], run_by_hand=True)
    reworded = dataclasses.replace(command, message=command.message + " [seen in the last review]")
    [kept, limited] = place_time_limited([reworded, found], [tasks], RepoFacts((), frozenset()))
    assert kept == reworded and kept.placement == "command"
    assert limited.placement == "time_limited" and limited.confidence == 0.4 and TAIL[:-1] in limited.message


def test_a_files_facts_hold_its_tasks_and_limits_as_values():
    source = TASKS.format(limit="5 * 60") + "CELERY_TASK_TIME_LIMIT = 30 * 60\n"
    facts = analyse_file("shop/tasks.py", "python", source.encode())
    assert facts.celery_tasks == (CeleryTask("execute_ingestor", 6, 7, "soft_time_limit=5 * 60"), CeleryTask("refresh", 11, 12))
    assert facts.task_time_limits == (TaskTimeLimit(13, "CELERY_TASK_TIME_LIMIT=30 * 60"),)
    assert facts.declares == ()  # nothing left to split back out of a string
