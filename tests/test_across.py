"""What one file tells the repository stage is typed values on ``FileFacts.across`` (issue 9, one source of truth).

Shapes from held12 (zou's self-committing models, keep's soft-deleted rules, codecov/worker's async_to_sync
bridge, electricitymaps' parser harnesses) and held11 (Pontoon's in-process notification senders): each fact
is read back as the record the per-file stage made, never split out of a joined string; a file that tells the
repository stage nothing carries no record; the records survive the per-blob cache as they went in.
"""

from __future__ import annotations

import dataclasses
import pickle
import textwrap
import typing

import pytest

from archreview.analysis.cache import FactsCache, entry_key
from archreview.analysis.perfile import analyse_file
from archreview.checklist.across.ownloop import place_own_loop
from archreview.checklist.across.selfcommit import helper_dual_writes
from archreview.core.model import AcrossModules, Cascade, FileFacts, Finding, HelperEffect, LoopEvidence, Module


def facts(path: str, source: str) -> FileFacts:
    return analyse_file(path, "python", textwrap.dedent(source).lstrip("\n").encode())


MODELS = """
    from sqlalchemy import Boolean, Column, ForeignKey, String
    from sqlalchemy.orm import relationship

    from zou.app import db


    class BaseMixin:
        def create(self, **kwargs):
            db.session.add(self)
            db.session.commit()
            return self


    class Rule(db.Model, BaseMixin):
        __tablename__ = "rule"
        name = Column(String)
        is_deleted = Column(Boolean)


    class Incident(db.Model, BaseMixin):
        rule_id = Column(String, ForeignKey("rule.id", ondelete="CASCADE"))
        alerts = relationship("Alert", backref="incident")
"""

SERVICE = """
    from zou.app.models.time_spent import TimeSpent
    from zou.app.utils import events


    def create_time_spent(person_id, duration):
        time_spent = TimeSpent.create(person_id=person_id, duration=duration)
        events.emit("time-spent:new", {"time_spent_id": time_spent.id})
        return time_spent
"""


def test_a_models_module_tells_its_columns_relations_soft_deletes_cascades_and_committing_methods():
    across = facts("zou/app/models/base.py", MODELS).across
    assert across is not None
    assert across.columns == ("is_deleted", "name", "rule_id")
    assert across.relations == ("alerts", "incident")  # the relation and the name it gives the other side
    assert set(across.soft_deleted) == {"Rule", "rule"}  # the class and its table
    assert across.cascades == (Cascade(21, "rule"),)
    assert across.commits_methods == ("create",) and across.commits_funcs == ()


def test_a_cascade_is_read_wherever_a_class_statement_holds_it_and_only_there():
    # the statements holding no call named like a cascade are not walked: a decorator's line, a call of a call and
    # a nested class are each still read, a class with no such call tells none
    source = """
        from django.db import models


        class Plain(models.Model):
            name = models.CharField(max_length=10)

            def save(self, *args, **kwargs):
                return super().save(*args, **kwargs)


        class Child(models.Model):
            @register(models.ForeignKey(
                "Other", models.CASCADE))
            def hook(self):
                pass

            owner = wrap(models.ForeignKey)(Plain, on_delete=models.CASCADE)
            maker = make()(Plain, on_delete=models.CASCADE)

            class Meta:
                parent = models.OneToOneField("app.Base", on_delete=models.CASCADE)
    """
    across = facts("app/models.py", source).across
    assert across is not None
    assert across.cascades == (Cascade(12, "Other"), Cascade(21, "Base"))  # wrap(...)(...) and make()(...) name no model
    source = source.replace("wrap(models.ForeignKey)", "models.ForeignKey()")
    assert facts("app/models.py", source).across.cascades == (Cascade(12, "Other"), Cascade(17, "Plain"),
                                                              Cascade(21, "Base"))


def test_an_effect_after_a_model_call_names_its_callee_as_a_value():
    across = facts("zou/app/services/time_spents_service.py", SERVICE).across
    assert across is not None
    [effect] = across.helper_effects
    assert (effect.line, effect.helper_line, effect.callee_kind, effect.callee, effect.written, effect.function) == \
        (7, 6, "method", "create", "TimeSpent.create", "create_time_spent")
    assert effect.snippet.startswith('events.emit("time-spent:new"')


def test_the_repository_stage_reads_the_helper_and_its_commit_from_the_records():
    # hand-made records, as another per-file stage would make them: the helper's name may hold any character
    service = FileFacts("app/service.py", "python", across=AcrossModules(helper_effects=(
        HelperEffect(9, 4, "func", "app.store.save_all", "store.save_all", "publish event", "handle",
                     "bus.publish('saved',\tpayload)"),)))
    store = FileFacts("app/store.py", "python", across=AcrossModules(commits_funcs=("save_all",)))
    modules = [Module("app.service", "app/service.py", 9), Module("app.store", "app/store.py", 4)]
    [made] = helper_dual_writes([], [service, store], modules)
    assert (made.path, made.line, made.rule) == ("app/service.py", 9, "dual_write.commit_then_publish")
    assert "store.save_all() at line 4" in made.message and made.snippet == "bus.publish('saved',\tpayload)"
    other = FileFacts("app/store.py", "python", across=AcrossModules(commits_funcs=("save_one",)))
    assert helper_dual_writes([], [service, other], modules) == []  # the callee named does not commit


def test_who_runs_the_coroutines_is_told_by_role_and_line():
    worker = facts("services/worker.py", """
        import asyncio

        from asgiref.sync import async_to_sync


        def task(commitid):
            return async_to_sync(update_commit)(commitid)


        async def update_commit(commitid):
            await asyncio.gather(fetch(commitid), fetch(commitid))
    """)
    server = facts("services/api.py", "from fastapi import FastAPI\n\napp = FastAPI()\n")
    assert worker.across is not None and worker.across.loop == (
        LoopEvidence("bridge", 7), LoopEvidence("side_by_side", 11, "asyncio.gather"))
    assert server.across is not None and server.across.loop == (LoopEvidence("shared", 0, "imports fastapi.FastAPI"),)


def test_a_blocking_call_is_placed_on_its_own_loop_only_without_a_shared_one():
    blocking = Finding(1, "services/report.py", 5, "time.sleep in a coroutine", 0.8, rule="async.blocking_call")
    bridge = FileFacts("services/worker.py", "python", across=AcrossModules(loop=(LoopEvidence("bridge", 7),)))
    [placed] = place_own_loop([blocking], [bridge])
    assert placed.placement == "own_loop" and "services/worker.py:7" in placed.message
    shared = AcrossModules(loop=(LoopEvidence("shared", 0, "imports fastapi"),))
    server = FileFacts("services/api.py", "python", across=shared)
    assert place_own_loop([blocking], [bridge, server]) == [blocking]


def test_a_harness_tells_its_functions_and_a_sender_module_its_senders():
    parser = facts("parsers/CEB.py", """
        def fetch_production(zone_key):
            return []


        def fetch_price(zone_key):
            return []


        if __name__ == "__main__":
            print(fetch_production("LK"))
    """)
    assert parser.across is not None and parser.across.harness == ("fetch_production", "fetch_price")
    senders = facts("pontoon/messaging/notifications.py", """
        from notifications.signals import notify


        def send_notification(sender, recipient, **kwargs):
            notify.send(sender, recipient=recipient, **kwargs)
    """)
    assert senders.across is not None and senders.across.in_process_senders == ("send_notification",)


def test_a_file_that_tells_the_repository_stage_nothing_carries_no_record_and_declares_nothing():
    plain = facts("app/util.py", "def add(a, b):\n    return a + b\n")
    assert plain.across is None and plain.declares == ()
    assert facts("zou/app/models/base.py", MODELS).declares == ()  # no fact left in a string


@pytest.mark.usefixtures("private_cache")
def test_the_records_survive_pickling_and_the_cache_and_hash_as_values(tmp_path):
    model = facts("zou/app/models/base.py", MODELS)
    service = facts("zou/app/services/time_spents_service.py", SERVICE)
    assert pickle.loads(pickle.dumps(service)) == service and hash(pickle.loads(pickle.dumps(model))) == hash(model)
    cache = FactsCache(tmp_path / "c")
    keys = {entry_key(f.path, f"{n:040x}"): f for n, f in enumerate((model, service))}
    cache.put_many(keys)
    cache.close()
    assert FactsCache(tmp_path / "c").get_many(list(keys)) == keys


@pytest.mark.parametrize("field", ["loop", "cascades", "helper_effects"])
def test_the_records_are_frozen(field):
    across = facts("zou/app/models/base.py", MODELS).across
    with pytest.raises(AttributeError):
        setattr(across, field, ())


def _records(cls: type, seen: set[type]) -> set[type]:
    """Every dataclass ``cls`` holds, through its fields' types (tuples, unions), itself included."""
    seen.add(cls)
    for hint in typing.get_type_hints(cls).values():
        for arg in _flat(hint):
            if dataclasses.is_dataclass(arg) and arg not in seen:
                _records(arg, seen)
    return seen


def _flat(hint: object) -> list[object]:
    args = typing.get_args(hint)
    return [hint] if not args else [a for arg in args for a in _flat(arg)]


def test_every_record_a_files_facts_hold_pickles_as_its_class_and_field_values():
    # the per-blob cache writes thousands of them: dataclasses' generic slots state looks the fields up per object
    records = _records(FileFacts, set())
    assert {AcrossModules, HelperEffect, LoopEvidence, Cascade, Finding} <= records
    for cls in records:
        value = object.__new__(cls)
        fields = tuple(f"{cls.__name__}.{f.name}" for f in dataclasses.fields(cls))  # any value: only the order counts
        for f, v in zip(dataclasses.fields(cls), fields):
            object.__setattr__(value, f.name, v)
        assert value.__reduce_ex__(pickle.HIGHEST_PROTOCOL) == (cls, fields), cls.__name__
