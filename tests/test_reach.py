"""Modules nothing imports or starts are not production request paths (issue 10).

Each test builds a small git repository with the shapes real services have: a package with a
module that makes an HTTP call, and whatever imports, names or starts it (or nothing).
"""

from __future__ import annotations

import dataclasses

import pytest

from archreview.analysis.run import analyze
from archreview.checklist.placement import place
from archreview.checklist.across.reach import UNREACHED_NOTE, place_unreached
from archreview.core.model import Finding
from archreview.checklist.rules import in_report
from archreview.facts.mentions import text_mentions
from archreview.repo.facts import repo_facts
from tests.repos import make_repo

# A blocking HTTP call inside async def (async.blocking_call) on a production path.
SYNC = """\
import requests


async def pull_rates(url):
    return requests.get(url, timeout=5).json()
"""
VIEW = """\
from shop.rates import convert


def price(request):
    return convert(request.GET["amount"])
"""
RATES = "def convert(amount):\n    return amount\n"
BASE = {"shop/__init__.py": "", "shop/rates.py": RATES, "shop/views.py": VIEW, "shop/sync.py": SYNC}


def _sync_findings(tmp_path, extra: dict[str, object]):
    repo = make_repo(tmp_path, [{**BASE, **extra}])
    found = [f for f in analyze(repo.path, use_cache=False).findings if f.path.endswith("sync.py")]
    assert found, "the detector must fire on the client call for the placement to mean anything"
    return found


def test_an_orphan_module_is_placed_lower_and_leaves_the_report(tmp_path):
    [orphan] = _sync_findings(tmp_path, {})
    assert orphan.rule == "async.blocking_call"
    assert orphan.message.endswith(UNREACHED_NOTE) and orphan.placement == "unreached"
    assert orphan.confidence < 0.5 and not in_report(orphan)


def test_the_same_module_imported_by_another_keeps_its_place(tmp_path):
    imported = {"shop/jobs_runner.py": "from shop import sync\n\n\ndef run():\n    sync.pull_rates('https://x')\n"}
    [kept] = _sync_findings(tmp_path, imported)
    assert not kept.message.endswith(UNREACHED_NOTE) and kept.placement == "production"


@pytest.mark.parametrize("extra", [
    pytest.param({"shop/billing/__init__.py": "", "shop/billing/cron.py": "from .. import sync\n"}, id="relative-import"),
    pytest.param({"shop/settings.py": 'MIDDLEWARE = ["django.middleware.common.CommonMiddleware", "shop.sync.Audit"]\n'},
                 id="django-settings"),
    pytest.param({"Dockerfile": 'FROM python:3.12-slim\nCOPY . /app\nCMD ["python", "-m", "shop.sync"]\n'},
                 id="dockerfile-cmd"),
    pytest.param({"Dockerfile": "FROM python:3.12-slim\nCMD python shop/sync.py\n"}, id="dockerfile-path"),
    pytest.param({"pyproject.toml": '[project]\nname = "shop"\n\n[project.scripts]\nshop-sync = "shop.sync:pull_rates"\n'},
                 id="pyproject-entry-point"),
    pytest.param({"docker-compose.yml": "services:\n  worker:\n    image: shop\n    command: celery -A shop.sync worker -l info\n"},
                 id="compose-command"),
    pytest.param({"Procfile": "web: gunicorn shop.sync:app --workers 4\n"}, id="procfile"),
    pytest.param({"deploy/uwsgi.ini": "[uwsgi]\nmodule = shop.sync:application\n"}, id="uwsgi-ini"),
    pytest.param({"shop/loader.py": 'import importlib\n\n\ndef load():\n    return importlib.import_module("shop.sync")\n'},
                 id="import-module-literal"),
    pytest.param({"shop/loader.py": 'import importlib\n\n\ndef load(name):\n    return importlib.import_module(f"shop.{name}")\n'},
                 id="import-module-prefix"),
])
def test_a_module_named_or_started_elsewhere_keeps_its_place(tmp_path, extra):
    [kept] = _sync_findings(tmp_path, extra)
    assert not kept.message.endswith(UNREACHED_NOTE) and kept.placement == "production"


TEST_OF_SYNC = "from shop import sync\n\n\ndef test_pull_rates():\n    assert sync.pull_rates\n"


def test_the_repository_facts_say_who_imports_whom_once_for_every_placement(tmp_path):
    cron = "from .. import sync\nfrom . import cron\n"
    repo = make_repo(tmp_path, [{**BASE, "shop/billing/__init__.py": "", "shop/billing/cron.py": cron,
                                 "tests/test_sync.py": TEST_OF_SYNC}])
    importers = repo_facts(analyze(repo.path, use_cache=False).head).importers
    assert importers["shop.sync"] == {"shop.billing.cron", "tests.test_sync"}  # a relative import, a test
    assert importers["shop.rates"] == {"shop.views"}
    assert "shop.billing.cron" not in importers  # its import of itself brings no one


def test_a_module_only_a_test_imports_is_reached(tmp_path):
    [kept] = _sync_findings(tmp_path, {"tests/test_sync.py": TEST_OF_SYNC})
    assert not kept.message.endswith(UNREACHED_NOTE) and kept.placement == "production"


def test_an_import_through_a_folder_without_init_inside_a_package_counts(tmp_path):
    # plane keeps views in apps/api/plane/app/views/issue/ with no __init__.py; the package imports them relatively
    repo = make_repo(tmp_path, [{**BASE, "shop/views/__init__.py": "from .issue.base import pull_rates\n",
                                 "shop/views/issue/base.py": SYNC}])
    [kept] = [f for f in analyze(repo.path, use_cache=False).findings if f.path == "shop/views/issue/base.py"]
    assert not kept.message.endswith(UNREACHED_NOTE)


def test_a_star_import_of_the_package_reaches_its_modules(tmp_path):
    # Mailu: internal/__init__.py does `from mailu.internal.views import *`, views/__init__.py lists __all__
    repo = make_repo(tmp_path, [{**BASE, "shop/internal/__init__.py": "from shop.internal.views import *\n",
                                 "shop/internal/views/__init__.py": "__all__ = ['dovecot']\n",
                                 "shop/internal/views/dovecot.py": SYNC}])
    [kept] = [f for f in analyze(repo.path, use_cache=False).findings if f.path == "shop/internal/views/dovecot.py"]
    assert not kept.message.endswith(UNREACHED_NOTE)


def test_a_script_copied_and_started_by_its_file_name_is_reached(tmp_path):
    # Mailu's nginx image copies core/nginx/letsencrypt.py to / and start.py runs "/letsencrypt.py"
    start = 'import subprocess\n\nsubprocess.Popen(["/letsencrypt.py"])\n'
    repo = make_repo(tmp_path, [{"core/nginx/start.py": start, "core/nginx/letsencrypt.py": SYNC}])
    [kept] = [f for f in analyze(repo.path, use_cache=False).findings if f.path == "core/nginx/letsencrypt.py"]
    assert not kept.message.endswith(UNREACHED_NOTE)


def test_other_modules_of_a_plugin_folder_named_in_settings_are_reached(tmp_path):
    # Redash lists its query runners by module name; others are enabled by an environment variable
    settings = 'QUERY_RUNNERS = ["shop.runners.pg", "shop.runners.mysql"]\n'
    runners = {"shop/runners/__init__.py": "", "shop/runners/pg.py": RATES, "shop/runners/mysql.py": RATES,
               "shop/runners/bigquery.py": SYNC}
    repo = make_repo(tmp_path, [{**BASE, **runners, "shop/config_values.py": settings}])
    [kept] = [f for f in analyze(repo.path, use_cache=False).findings if f.path == "shop/runners/bigquery.py"]
    assert not kept.message.endswith(UNREACHED_NOTE)


def test_a_class_named_in_django_settings_does_not_make_its_folder_a_plugin_folder(tmp_path):
    settings = 'MIDDLEWARE = ["shop.audit.Audit", "shop.rates.Cache"]\n'
    [orphan] = _sync_findings(tmp_path, {"shop/audit.py": "class Audit:\n    pass\n", "shop/settings.py": settings})
    assert orphan.message.endswith(UNREACHED_NOTE)


def test_a_loader_that_globs_its_folder_and_imports_by_name_reaches_it(tmp_path):
    # Flexget's plugin.py: Path(__file__).parent.glob("**/*.py") then import_module(name)
    loader = ("import importlib\nfrom pathlib import Path\n\n\ndef load():\n"
              "    for p in Path(__file__).parent.glob('components/**/*.py'):\n"
              "        importlib.import_module('.'.join(p.with_suffix('').parts[-4:]))\n")
    repo = make_repo(tmp_path, [{**BASE, "shop/plugin.py": loader, "shop/components/notify/discord.py": SYNC}])
    [kept] = [f for f in analyze(repo.path, use_cache=False).findings if f.path == "shop/components/notify/discord.py"]
    assert not kept.message.endswith(UNREACHED_NOTE)


@pytest.mark.parametrize("path", ["shop/tasks.py", "shop/signals.py", "shop/templatetags/rates.py", "shop/wsgi.py"])
def test_modules_frameworks_discover_by_name_keep_their_place(tmp_path, path):
    repo = make_repo(tmp_path, [{**BASE, "shop/templatetags/__init__.py": "", path: SYNC}])
    [kept] = [f for f in analyze(repo.path, use_cache=False).findings if f.path == path]
    assert not kept.message.endswith(UNREACHED_NOTE) and kept.placement == "production"


def test_a_module_naming_itself_is_still_an_orphan(tmp_path):
    own_logger = SYNC + '\nimport logging\n\nlog = logging.getLogger("shop.sync")\n'
    [orphan] = _sync_findings(tmp_path, {"shop/sync.py": own_logger})
    assert orphan.message.endswith(UNREACHED_NOTE)


def test_a_script_is_placed_once_as_a_command_not_twice(tmp_path):
    script = SYNC + '\n\nif __name__ == "__main__":\n    pull_rates("https://x")\n'
    [command] = _sync_findings(tmp_path, {"shop/sync.py": script})
    assert "operator command" in command.message and UNREACHED_NOTE not in command.message
    assert command.confidence == pytest.approx(0.45)  # 0.89 scaled once (0.5), by the command placement
    assert command.placement == "command"


def test_place_unreached_reads_the_placement_field_not_the_end_of_the_message():
    # a finding placed as a command keeps its place even when its message no longer ends with the note
    found = Finding(1, "shop/sync.py", 6, "HTTP client without a timeout", 0.8, rule="timeout.client_default")
    [command] = place([found], run_by_hand=True)
    reworded = dataclasses.replace(command, message=command.message + " [seen in the last review]")
    [kept, orphan] = place_unreached([reworded, found], frozenset({"shop/sync.py"}))
    assert kept == reworded and kept.placement == "command" and kept.confidence == 0.4
    assert orphan.placement == "unreached" and orphan.confidence == 0.4 and orphan.message.endswith(UNREACHED_NOTE)
    [dev] = place([found], task_runner=True)
    assert dev.placement == "dev" and place_unreached([dev], frozenset({"shop/sync.py"})) == [dev]


def test_the_placement_stays_out_of_the_json_document(tmp_path):
    from archreview.report.jsondoc import document

    repo = make_repo(tmp_path, [BASE])
    doc = document(analyze(repo.path, use_cache=False))
    assert doc["findings"] and all("placement" not in f for f in doc["findings"])


def test_a_folder_scanned_for_plugins_reaches_its_modules(tmp_path):
    scan = ("import importlib\nimport pkgutil\n\n\ndef load():\n    for m in pkgutil.iter_modules(__path__):\n"
            "        importlib.import_module(f'{__name__}.{m.name}')\n")
    repo = make_repo(tmp_path, [{**BASE, "shop/providers/__init__.py": scan, "shop/providers/ecb.py": SYNC}])
    [kept] = [f for f in analyze(repo.path, use_cache=False).findings if f.path == "shop/providers/ecb.py"]
    assert not kept.message.endswith(UNREACHED_NOTE)


def test_mentions_in_deployment_files():
    assert {"shop.web:app", "shop.worker"} <= set(text_mentions(
        'CMD ["gunicorn", "shop.web:app"]\nRUN celery -A shop.worker beat\n'))
    assert "worker" in text_mentions("worker: celery -A worker worker\n")
    assert "shop/jobs/sync.py" in text_mentions("command: python shop/jobs/sync.py --once\n")
    assert "shop.cli:main" in text_mentions("[options.entry_points]\nconsole_scripts =\n    shop = shop.cli:main\n")


def test_a_repository_whose_modules_do_not_import_each_other_says_nothing(tmp_path):
    # one module beside a Celery task file: nothing shows how the service starts, so nothing is placed lower
    repo = make_repo(tmp_path, [{"shop/__init__.py": "", "shop/sync.py": SYNC,
                                 "shop/tasks.py": "from celery import shared_task\n"}])
    [kept] = [f for f in analyze(repo.path, use_cache=False).findings if f.path == "shop/sync.py"]
    assert not kept.message.endswith(UNREACHED_NOTE) and kept.placement == "production"
