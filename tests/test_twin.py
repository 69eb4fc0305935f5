"""The boring twin: for each new piece of infrastructure, how the codebase already does the same job
(path:line) and what removing the piece would remove, in the JSON, fit question 4 and the report."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup

from archreview.analysis.run import analyze
from archreview.checklist.detectors.repo import opened_items
from archreview.cli import main

HOSTILE_JOBS = "shop/<i>jobs</i>.py"
BASE = {
    "requirements.txt": "flask==3.0\nsqlalchemy==2.0\n",
    "shop/__init__.py": "from flask import Flask\n\nfrom shop.db import Session\nfrom shop.orders import OrderService\n\n\n"
                        "def create_app():\n    app = Flask(__name__)\n    app.orders = OrderService(Session)\n    return app\n",
    "shop/db.py": "import os\n\nfrom sqlalchemy import create_engine\nfrom sqlalchemy.orm import sessionmaker\n\n"
                  "engine = create_engine(os.environ[\"DATABASE_URL\"])\nSession = sessionmaker(bind=engine)\n",
    "shop/orders.py": "class OrderService:\n    def __init__(self, session_factory):\n        self.session_factory = session_factory\n",
    HOSTILE_JOBS: "import threading\n\n\ndef send_later(send, message):\n"
                  "    threading.Thread(target=send, args=(message,), daemon=True).start()\n",
}
CHANGE = {
    "requirements.txt": "flask==3.0\nsqlalchemy==2.0\ncelery==5.3\ndependency-injector==4.41\n",
    "docker-compose.yml": "services:\n  broker:\n    image: rabbitmq:3\n  web:\n    build: .\n",
    "shop/tasks.py": "import os\n\nfrom celery import Celery\n\ncelery = Celery(\"shop\", broker=os.environ[\"CELERY_BROKER_URL\"])\n\n\n"
                     "@celery.task\ndef send_receipt(order_id):\n    return order_id\n",
    "shop/container.py": "from dependency_injector import containers, providers\n\nfrom shop.orders import OrderService\n\n\n"
                         "class Container(containers.DeclarativeContainer):\n    orders = providers.Factory(OrderService)\n",
    "shop/reporting.py": "import os\n\nfrom sqlalchemy import create_engine\n\n"
                         "reporting_engine = create_engine(os.environ[\"REPORTING_DATABASE_URL\"])\n",
    "tests/test_tasks.py": "import fakeredis\n\ncache = fakeredis.FakeRedis()\n",
}


@pytest.fixture
def change(git_repo):
    repo = git_repo([BASE], branches={"topic": [CHANGE]})
    return repo, analyze(repo.path, "main", "topic", use_cache=False)


def _twins(analysis):
    return {t.name: t for t in analysis.twins}


def test_each_new_piece_is_set_against_the_codebases_own_way_of_doing_the_job(change):
    _, a = change
    twins = _twins(a)
    where = {name: [(e.path, e.line) for e in t.precedent] for name, t in twins.items()}
    assert where["sqlalchemy engine"][:2] == [("shop/db.py", 6), ("shop/db.py", 7)]  # the engine, the session factory
    assert "the existing sqlalchemy session factory" in twins["sqlalchemy engine"].precedent[1].text
    assert where["dependency-injector"] == [("shop/__init__.py", 7)]  # the composition root wiring by hand
    assert "by hand, in create_app()" in twins["dependency-injector"].precedent[0].text
    assert where["celery"] == [(HOSTILE_JOBS, 1)] and "done with a thread" in twins["celery"].precedent[0].text
    assert twins["web"].precedent == ()  # nothing in base runs code as a service
    assert not any(t.kind == "cache" for t in a.twins)  # used by tests only: nothing to remove in production


def test_removing_a_piece_lists_its_packages_services_config_keys_and_the_items_it_opens(change):
    _, a = change
    twins = _twins(a)
    celery = twins["celery"]
    assert (celery.packages, celery.config_keys) == (("celery",), ("CELERY_BROKER_URL",))
    assert celery.opens == opened_items("task_queue") and {4, 20} <= set(celery.opens)
    assert [(e.path, e.line, e.text) for e in twins["rabbitmq"].services] == [("docker-compose.yml", 3, "compose: rabbitmq:3")]
    assert twins["dependency-injector"].packages == ("dependency-injector",)
    assert twins["sqlalchemy engine"].config_keys == ("REPORTING_DATABASE_URL",)
    assert twins["sqlalchemy engine"].packages == ()  # sqlalchemy was there before: removing the engine keeps it


def test_the_json_and_fit_question_4_carry_the_twin(change, tmp_path):
    repo, _ = change
    out = tmp_path / "a.json"
    assert main(["analyze", str(repo.path), "--base", "main", "--head", "topic", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    celery = next(n for n in doc["new_infrastructure"] if n["name"] == "celery")
    assert celery["twin"]["precedent"] == [{"path": HOSTILE_JOBS, "line": 1, "text": "background work: done with a thread"}]
    assert celery["twin"]["removes"]["packages"] == ["celery"]
    assert celery["twin"]["removes"]["config_keys"] == ["CELERY_BROKER_URL"]
    assert celery["twin"]["removes"]["checklist_items"] == list(opened_items("task_queue"))
    q4 = next(q for q in doc["fit_test"] if q["question"] == 4)
    texts = [e["text"] for e in q4["evidence"]]
    at = texts.index("adds task queue (celery)")
    assert texts[at + 1].startswith("removing celery (task queue) removes packages celery; config keys CELERY_BROKER_URL")
    assert q4["evidence"][at + 2] == {"path": HOSTILE_JOBS, "line": 1,
                                      "text": "boring twin of celery: background work: done with a thread"}
    assert "boring twin of dependency-injector: wiring objects together: by hand, in create_app()" in texts


def test_what_the_change_brings_shows_the_twins_as_text(change):
    from archreview.workbook import sections
    from archreview.workbook.review import open_review

    _, a = change
    page = BeautifulSoup(sections.change(open_review(a)).data, "html.parser")
    table = page.find(id="boring-twin").find_next("table")
    rows = {tr.find_all(["td", "th"])[-3].get_text(): [c.get_text() for c in tr.find_all(["td", "th"])[-2:]]
            for tr in table.tbody.find_all("tr")}
    assert rows["celery (task queue)"][0] == f"{HOSTILE_JOBS}:1 background work: done with a thread"
    assert rows["celery (task queue)"][1].startswith("packages celery; config keys CELERY_BROKER_URL")
    assert rows["web (deployable service)"][0] == "no way of doing this job yet"
    assert table.find("i") is None  # the hostile file name stays text


def test_no_base_no_twin(git_repo):
    repo = git_repo([BASE, CHANGE])
    assert analyze(repo.path, use_cache=False).twins == ()


def test_the_pull_request_comment_names_the_twin_under_what_the_change_brings(change):
    from archreview.report import markdown

    _, a = change
    text = markdown.comment(a)
    section = text.split("### What the change brings")[1].split("###")[0]
    celery = section.split("**task queue**: celery")[1].split("\n- ")[0]
    assert "boring twin: background work: done with a thread at `shop/<i>jobs</i>.py:1`" in celery
    assert "removing it removes packages celery; config keys CELERY\\_BROKER\\_URL" in celery
