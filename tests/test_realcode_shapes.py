"""False-positive causes and missed failures seen on real code (bench/realcode), each as the
shape it had there, rewritten small: the detectors must stay quiet on the first kind and
speak on the second."""

from __future__ import annotations

import ast
import textwrap

import pytest

from archreview.checklist.detectors import file_findings


def findings(source: str, path: str = "app/service.py"):
    text = textwrap.dedent(source).lstrip("\n")
    return file_findings(path, ast.parse(text), text)


def rules(source: str, path: str = "app/service.py") -> set[tuple[str, int]]:
    return {(f.rule, f.line) for f in findings(source, path)}


# --- shared mutable state: write-once globals, lazy singletons, memos, locks ----------------

QUIET_STATE = {
    "lazy singleton client (healthchecks hc/lib/s3.py)": """
        import boto3
        _client = None

        def client():
            global _client
            if _client is None:
                _client = boto3.client("s3")
            return _client
    """,
    "configuration written once at start (mealie core/logger/config.py)": """
        __conf = None

        def configured_logger(mode):
            global __conf
            __conf = {"mode": mode}
            return __conf
    """,
    "memo filled once per key": """
        _TEMPLATES = {}

        def template(name):
            if name not in _TEMPLATES:
                _TEMPLATES[name] = open(name).read()
            return _TEMPLATES[name]
    """,
    "lock-guarded cache": """
        import threading
        _lock = threading.Lock()
        _CACHE = {}

        def remember(key, value):
            with _lock:
                _CACHE[key] = value
    """,
    "instrument handle (prometheus)": """
        from prometheus_client import Counter
        REQUESTS = Counter("requests_total", "requests")

        def handle():
            REQUESTS.inc()
    """,
}


@pytest.mark.parametrize("source", QUIET_STATE.values(), ids=QUIET_STATE.keys())
def test_write_once_state_is_not_shared_mutable_state(source):
    assert "state.module_mutable" not in {r for r, _ in rules(source, "app/views.py")}


def test_state_written_per_run_is_still_found():  # mealie services/scheduler/tasks/post_webhooks.py
    source = """
        from datetime import datetime, timezone
        last_ran = datetime.now(timezone.utc)

        def post_group_webhooks():
            global last_ran
            since = last_ran
            last_ran = datetime.now(timezone.utc)
            return since
    """
    assert ("state.module_mutable", 2) in rules(source, "app/tasks/post_webhooks.py")


# --- swallowed errors: documented best effort, parse fallbacks ---------------------------------


QUIET_EXCEPT = {
    "documented swallow (healthchecks telegram webhook)": """
        def webhook(chat, invite):
            try:
                Telegram.send(chat.id, invite)
            except TransportError:
                # Swallow the error and return HTTP 200 OK, otherwise Telegram will
                # hit the webhook again and again.
                pass
            return HttpResponse()
    """,
    "metrics emitter that never raises": """
        def emit(name, value):
            \"\"\"Send one metric. Best effort: never raises, a lost metric is fine.\"\"\"
            try:
                statsd.gauge(name, value)
            except Exception:
                pass
    """,
    "parse fallback returning a default (mealie schema validator)": """
        from uuid import UUID

        def coerce(v):
            try:
                return UUID(v)
            except Exception:
                return None
    """,
    "JSON error body fallback (redash query runner)": """
        import json

        def error_of(response):
            try:
                details = json.loads(response.text)
            except Exception:
                pass
            return None
    """,
}


@pytest.mark.parametrize("source", QUIET_EXCEPT.values(), ids=QUIET_EXCEPT.keys())
def test_best_effort_handlers_are_not_swallowed_errors(source):
    assert "except.swallowed" not in {r for r, _ in rules(source)}


def test_an_undocumented_swallow_around_a_write_is_still_found():
    source = """
        def save(order):
            try:
                db.session.commit()
            except Exception:
                pass
    """
    assert ("except.swallowed", 4) in rules(source)


# --- cascades on link tables -----------------------------------------------------------------


def test_cascade_on_a_link_table_is_not_a_cascading_delete_of_business_data():
    source = """
        from sqlalchemy import Column, ForeignKey, Integer, Table
        from sqlalchemy.orm import mapped_column

        certificate_destinations = Table(
            "certificate_destination_associations", metadata,
            Column("destination_id", Integer, ForeignKey("destinations.id", ondelete="cascade")),
            Column("certificate_id", Integer, ForeignKey("certificates.id", ondelete="cascade")),
        )

        class UserRole(Base):
            user_id = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
            role_id = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True)

        class Certificate(Base):
            authority_id = Column(Integer, ForeignKey("authorities.id", ondelete="CASCADE"))
    """
    assert {line for r, line in rules(source, "app/models.py") if r == "cascade.delete"} == {15}


def test_a_django_membership_model_is_a_link_table():  # healthchecks accounts/models.py Member
    source = """
        from django.db import models

        class Member(models.Model):
            user = models.ForeignKey(User, models.CASCADE, related_name="memberships")
            project = models.ForeignKey(Project, models.CASCADE)

            class Meta:
                constraints = [models.UniqueConstraint(fields=["user", "project"], name="uq_member")]

        class Project(models.Model):
            owner = models.ForeignKey(User, models.CASCADE)
    """
    assert {line for r, line in rules(source, "app/models.py") if r == "cascade.delete"} == {11}


# --- SQL words in strings that never run; SQL built from identifiers and numbers -----------------

QUIET_SQL_TEXT = """
    import argparse
    import enum
    import logging

    log = logging.getLogger(__name__)

    class Operation(enum.Enum):
        TRUNCATE = "TRUNCATE"
        DROP = "DROP TABLE"

    COSTS = {"DROP TABLE": 3, "TRUNCATE": 2}

    def clean(table):
        \"\"\"DROP TABLE is never used here.\"\"\"
        log.info("DROP TABLE %s skipped", table)
        parser = argparse.ArgumentParser()
        parser.add_argument("--drop", help="DROP TABLE x first")
"""


def test_sql_words_in_strings_that_never_run_are_not_destructive_sql():
    assert not rules(QUIET_SQL_TEXT)


DESTRUCTIVE_SQL = """
    def rebuild(con):
        cur = con.cursor()
        cur.execute("DROP TABLE IF EXISTS docs")
        sql = "TRUNCATE audit_log"
        cur.execute(sql)
"""


def test_sql_that_runs_in_a_migration_is_still_destructive():  # healthchecks populate_searchdb.py, as a migration
    assert {line for r, line in rules(DESTRUCTIVE_SQL, "app/migrations/0007_rebuild.py")
            if r == "migration.destructive"} == {3, 4}
    upgrade = DESTRUCTIVE_SQL.replace("def rebuild", "def upgrade")
    assert {line for r, line in rules(upgrade, "app/schema.py") if r == "migration.destructive"} == {3, 4}


def test_deleting_rows_in_application_code_is_not_a_destructive_migration():
    # paperless-ngx paperless_ai/tables.py: clearing a derived index before a rebuild; lnbits commands.py
    source = """
        import sqlite3

        class Chunks:
            @staticmethod
            def delete_all(conn: sqlite3.Connection) -> None:
                conn.execute("DELETE FROM document_chunks")
    """
    assert "migration.destructive" not in {r for r, _ in rules(source, "src/paperless_ai/tables.py")}
    assert not rules(DESTRUCTIVE_SQL, "app/search.py")


def test_a_single_migrations_module_is_history_in_a_whole_repository_review():
    # lnbits keeps every migration of core (and of each extension) in one core/migrations.py
    from archreview.checklist.placement import history, role

    source = """
        async def m029_drop_balance_view(db):
            await db.execute("DROP TABLE IF EXISTS balances")
            await db.execute(f"UPDATE wallets SET updated_at = {db.timestamp_placeholder('now')}")
    """
    found = findings(source, "lnbits/core/migrations.py")
    assert role("lnbits/core/migrations.py") == "migration"
    assert {f.rule for f in found} == {"migration.destructive"}  # the risk, when a change adds it
    assert history(found, has_base=False) == []  # history, in a whole-repository review


def test_sql_built_from_identifiers_numbers_and_dates_is_not_injection():
    source = """
        import sqlalchemy as sa

        def duplicates(session, model, cutoff, limit):
            session.execute(sa.text(f"SELECT id, name FROM {model.__tablename__}"))
            session.execute(sa.text(f"DELETE FROM pings WHERE created < '{cutoff.isoformat()}'"))
            session.execute(sa.text(f"SELECT * FROM pings LIMIT {int(limit)}"))
            session.execute(sa.text(f"SELECT * FROM pings WHERE n > {limit:d}"))
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = '%s'" % model._meta.db_table)
    """
    assert "injection.sql" not in {r for r, _ in rules(source)}


def test_sql_built_from_input_is_still_injection():
    source = """
        def search(request, cursor):
            name = request.args.get("name")
            cursor.execute(f"SELECT * FROM users WHERE name = '{name}'")
    """
    assert ("injection.sql", 3) in rules(source)


def test_the_dialects_own_sql_spliced_into_a_bound_query_is_not_injection():
    # lnbits core/crud/payments.py and db.py: a timestamp expression and named fragments, values bound
    source = """
        async def mark_paid(db, checking_id, filters, query, table_name, clause, group_by_string, values):
            await db.execute(
                f\"\"\"
                UPDATE apipayments SET status = :status, updated_at = {db.timestamp_placeholder("now")}
                WHERE checking_id = :checking_id
                \"\"\",
                {"status": "success", "checking_id": checking_id},
            )
            if table_name:
                count_query = f"SELECT COUNT(*) as count FROM {table_name} {clause}"
            else:
                count_query = f"SELECT COUNT(*) as count FROM ({query} {clause} {group_by_string}) as count"
            await db.execute(count_query, values)
    """
    assert "injection.sql" not in {r for r, _ in rules(source, "lnbits/core/crud/payments.py")}


def test_a_value_spliced_inside_quotes_is_injection_even_next_to_bound_parameters():
    source = """
        def search(cursor, query, user_id):
            cursor.execute(f"SELECT * FROM notes WHERE owner = %s AND body LIKE '%{query}%'", (user_id,))
    """
    assert ("injection.sql", 2) in rules(source)


def test_loading_the_projects_own_pickles_is_a_lead_not_report_evidence():
    # bugbug model.py / paperless classifier.py: the project's own model files
    from archreview.checklist.rules import in_report

    source = """
        import pickle

        def load_model(path):
            with open(path, "rb") as f:
                return pickle.load(f)
    """
    [found] = [f for f in findings(source, "bugbug/model.py") if f.rule == "injection.deserialise"]
    assert not in_report(found)


# --- timeouts: a deliberate stream, and the calls that really hang -----------------------------------


def test_a_long_lived_stream_with_timeout_none_is_deliberate_but_a_payment_post_is_not():
    # lnbits wallets/lndrest.py: the invoice subscription streams forever; pay_invoice must not
    source = """
        import httpx

        class LndRestWallet:
            def __init__(self, url):
                self.client = httpx.AsyncClient(base_url=url)

            async def paid_invoices_stream(self):
                while True:
                    async with self.client.stream("GET", "/v1/invoices/subscribe", timeout=None) as r:
                        async for line in r.aiter_lines():
                            yield line

            async def pay_invoice(self, bolt11):
                return await self.client.post("/v1/channels/transactions", json={"payment_request": bolt11},
                                              timeout=None)
    """
    assert {(r, line) for r, line in rules(source, "lnbits/wallets/lndrest.py")
            if r.startswith("timeout")} == {("timeout.missing", 14)}


# --- in-process state: caches are not shared state; dedupe and locks are -----------------------------


def test_a_per_process_cache_is_not_shared_state_but_a_dedupe_set_is():
    # bugbug hackbot-pulse-listener treeherder.py (TTL caches) and consumer.py (dedupe of triggered runs)
    source = """
        from cachetools import TTLCache

        _jobs_cache: TTLCache = TTLCache(maxsize=512, ttl=60)
        _seen: TTLCache = TTLCache(maxsize=1024, ttl=3600)

        def jobs(push_id):
            if push_id not in _jobs_cache:
                _jobs_cache[push_id] = fetch(push_id)
            return _jobs_cache[push_id]

        def on_message(revision):
            if revision in _seen:
                return
            _seen[revision] = True
            trigger(revision)
    """
    assert {(r, line) for r, line in rules(source, "services/listener/app/consumer.py")
            if r == "state.module_store"} == {("state.module_store", 4)}


def test_a_cached_client_per_api_key_is_not_a_per_user_cache():  # bugbug platforms/phabricator.py
    source = """
        from functools import cache, lru_cache

        @cache
        def get_phabricator_client(api_key=None, base_url=None):
            return Phabricator(api_key, base_url)

        @lru_cache(maxsize=256)
        def profile(user_id):
            return User.query.get(user_id)
    """
    assert {(r, line) for r, line in rules(source) if r == "state.per_user_lru_cache"} == {
        ("state.per_user_lru_cache", 7)}


# --- settings: CORS without credentials; names that look like secrets ------------------------------


def test_cors_wildcard_with_credentials_is_more_confident_than_without():
    # lnbits app.py (Starlette, credentials off by default) against robotoff api.py (credentials on).
    # Both are leads until the rule has 5 labels (the registry's policy); the credentials variant
    # clears the report floor, so it is evidence once the rule is measured.
    from archreview.checklist.rules import REPORT_FLOOR

    plain = """
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"])
    """
    creds = plain.replace('allow_headers=["*"]', 'allow_headers=["*"], allow_credentials=True')
    [lead] = [f for f in findings(plain, "lnbits/app.py") if f.rule == "setting.cors_wildcard"]
    [shown] = [f for f in findings(creds, "robotoff/app/api.py") if f.rule == "setting.cors_wildcard"]
    assert lead.confidence < REPORT_FLOOR <= shown.confidence


def test_header_names_and_mention_handles_are_not_secrets():
    # bugbug http_service app.py and hackbot-api config.py
    source = """
        API_TOKEN = "X-Api-Key"

        class Settings:
            mention_token: str = "@hackbot"
            api_token: str = "9f3kQ2vX7pLmZ8rT"
    """
    assert {r for r, line in rules(source, "app/config.py") if line in (1, 4)} == set()
    assert ("secret.literal", 5) in rules(source, "app/config.py")


# --- placement: names shared by production packages ------------------------------------------------


@pytest.mark.parametrize(("path", "where"), [
    ("lnbits/tasks.py", "production"), ("src/documents/tasks.py", "production"),  # Celery / worker modules
    ("tasks.py", "dev"),  # invoke's file at the root
    ("bugbug/tools/comment_resolution/agent.py", "production"), ("tools/conv.py", "dev"),
    ("django/contrib/auth/views.py", "production"), ("contrib/release.py", "dev"),
    ("lnbits/core/migrations.py", "migration"), ("shop/migration.py", "production"),
    # held4 and held5, after looking: an evaluation harness at the top (Skyvern), a spike inside a
    # connector package (mage-ai), a command-line module named *_cli (onyx); an ML product's own
    # evaluation package stays production
    ("evaluation/core/__init__.py", "dev"), ("evals/run.py", "dev"),
    ("mage_integrations/sources/zendesk/spikes/ticket_events.py", "dev"),
    ("backend/onyx/evals/eval_cli.py", "command"),
    ("mlflow/models/evaluation/base.py", "production"), ("app/client.py", "production"),
])
def test_placement_of_names_that_production_packages_share(path, where):
    from archreview.checklist.placement import role

    assert role(path) == where


def test_an_invoke_task_file_inside_the_package_is_developer_tooling():
    # wger/tasks.py: `from invoke import task`, run by hand to set up an instance
    source = """
        import requests
        from invoke import task

        @task
        def load_fixtures(context):
            print("loading")
            requests.get("https://wger.de/media.zip")
    """
    celery = source.replace("from invoke import task", "from celery import shared_task as task")
    assert all(f.confidence < 0.5 and "developer" in f.message for f in findings(source, "wger/tasks.py"))
    assert any(f.rule == "timeout.missing" and f.confidence >= 0.9 for f in findings(celery, "wger/tasks.py"))


def test_a_signal_sent_with_sender_and_a_progress_message_are_not_dual_writes():
    # paperless-ngx documents/consumer.py: a Django signal and a progress update for the UI after save
    source = """
        from django.db import transaction

        def consume(self, document):
            with transaction.atomic():
                document.save()
            transaction.commit()
            document_consumption_finished.send(sender=self.__class__, document=document)
            self._send_progress(100, 100, "SUCCESS")
            self.broker.publish("documents", document.pk)
    """
    assert {(r, line) for r, line in rules(source, "src/documents/consumer.py")
            if r.startswith("dual_write")} == {("dual_write.commit_then_publish", 9)}


def test_the_dialects_current_time_attribute_is_not_injection():  # lnbits core/crud/audit.py
    source = """
        async def delete_expired_audit_entries(conn=None):
            await (conn or db).execute(
                f\"\"\"
                    DELETE from audit
                    WHERE delete_at < {db.timestamp_now}
                \"\"\"
            )
    """
    assert not {r for r, _ in rules(source, "lnbits/core/crud/audit.py") if r.startswith("injection")}


# --- N+1: fixed collections and DDL per table ------------------------------------------------------


def test_ddl_per_table_and_loops_over_fixed_lists_are_not_n_plus_one():
    source = """
        from sqlalchemy.schema import DropConstraint, DropTable

        def drop_all(engine, meta, all_fkeys, tables):
            with engine.connect() as connection:
                for fkey in all_fkeys:
                    connection.execute(DropConstraint(fkey))
                for table in tables:
                    connection.execute(DropTable(table))
                for extension in settings.database_extensions:
                    connection.execute(f'CREATE EXTENSION IF NOT EXISTS "{extension}";')
                for name, query in [("size", "select 1"), ("rows", "select 2")]:
                    connection.execute(query).first()
    """
    assert not {r for r, _ in rules(source)} & {"n_plus_one.query_in_loop", "n_plus_one.lazy_load"}


def test_an_http_get_in_a_loop_is_not_a_database_query():  # lemur verisign plugin
    source = """
        def reject(self, orders):
            for order_id in orders:
                self.session.get(url, params={"transaction_id": order_id})
    """
    assert "n_plus_one.query_in_loop" not in {r for r, _ in rules(source)}


# --- where the code runs: dead code, dev scripts, operator commands --------------------------------


def test_code_after_return_is_not_a_production_path():
    source = """
        import requests

        def fetch():
            return cached()
            requests.get("https://example.com")
    """
    assert not rules(source)


def test_dev_scripts_and_commands_rank_lower_and_say_so():
    source = "import requests\nrequests.get('https://api.example.com')\n"
    [service] = findings(source, "app/rates.py")
    [script] = findings(source, "dev/scripts/load_rates.py")
    [command] = findings(source, "app/management/commands/sync_rates.py")
    assert service.confidence > command.confidence > script.confidence
    assert script.confidence < 0.5 and "developer script" in script.message
    assert "operator command" in command.message


# --- async: what blocks and what does not ----------------------------------------------------------


def test_async_httpx_client_and_its_stream_are_not_blocking():
    source = """
        import httpx

        async def download(url):
            async with httpx.AsyncClient(timeout=10) as client:
                async with client.stream("GET", url) as response:
                    async for chunk in response.aiter_bytes():
                        yield chunk
                r = await client.get(url)
            return r
    """
    assert "async.blocking_call" not in {r for r, _ in rules(source)}


def test_password_hashing_inside_async_def_blocks_the_loop():  # a FastAPI login
    source = """
        import bcrypt
        import hashlib
        from passlib.context import CryptContext

        pwd_context = CryptContext(schemes=["bcrypt"])

        async def login(form):
            user = await users.get(form.username)
            if not pwd_context.verify(form.password, user.hashed_password):
                raise Unauthorized()
            key = hashlib.scrypt(form.password.encode(), salt=user.salt, n=2**14, r=8, p=1)
            ok = bcrypt.checkpw(form.password.encode(), user.hash)
            return key, ok
    """
    found = {(r, line) for r, line in rules(source, "app/routes/auth.py") if r == "async.blocking_call"}
    assert found == {("async.blocking_call", 9), ("async.blocking_call", 11), ("async.blocking_call", 12)}


# --- telemetry and in-process signals are not side effects ------------------------------------------


def test_metrics_and_signals_are_not_retried_or_dual_written_effects():  # lemur plugins and services
    source = """
        from retrying import retry

        @retry(stop_max_attempt_number=25)
        def get_certificate(arn, client):
            metrics.send("get_acm_certificate", "counter", 1)
            capture_exception()
            return client.get_certificate(CertificateArn=arn)

        def create(cert):
            database.commit()
            certificate_issued.send(certificate=cert)
            metrics.send("certificate_issued", "counter", 1)
    """
    assert not {r for r, _ in rules(source)} & {"retry.non_idempotent", "dual_write.commit_then_publish"}


# --- missed failures, now rules -----------------------------------------------------------------------


def test_check_then_update_of_a_counter_without_a_lock():  # healthchecks accounts/models.py authorize_sms
    source = """
        class Profile(models.Model):
            def authorize_sms(self):
                sent_this_month = self.sms_sent_this_month()
                if sent_this_month >= self.sms_limit:
                    return False
                self.sms_sent = sent_this_month + 1
                self.save()
                return True

        def withdraw(account, amount):
            if account.balance < amount:
                raise InsufficientFunds()
            account.balance -= amount
            db.session.commit()

        def withdraw_locked(account_id, amount):
            account = Account.objects.select_for_update().get(pk=account_id)
            if account.balance < amount:
                raise InsufficientFunds()
            account.balance -= amount
            account.save()

        def withdraw_atomic(account_id, amount):
            if Account.objects.filter(pk=account_id, balance__gte=amount).update(balance=F("balance") - amount) == 0:
                raise InsufficientFunds()
    """
    assert {line for r, line in rules(source, "app/models.py") if r == "race.check_then_update"} == {6, 13}


def test_tls_verification_turned_off():
    source = """
        import ssl
        import requests
        from elasticsearch import Elasticsearch

        VERIFY_SSL = False
        es = Elasticsearch(hosts, verify_certs=False)
        ctx = ssl._create_unverified_context()
        requests.get("https://payments.example.com", verify=False, timeout=5)
        requests.get("https://localhost:8443/health", verify=False, timeout=5)  # ourselves
        verify_ssl = self.configuration.get("verify_ssl", True)
    """
    found = {(r, line) for r, line in rules(source) if r in {"tls.verify_off", "setting.verify_false"}}
    assert found == {("tls.verify_off", 5), ("tls.verify_off", 6), ("tls.verify_off", 7), ("setting.verify_false", 8)}


def test_a_secret_default_left_in_settings():  # wger settings/main.py and the like
    source = """
        import os
        import environ

        env = environ.Env()
        SECRET_KEY = os.environ.get("SECRET_KEY", "change-me")
        DB_PASSWORD = env("DB_PASSWORD", default="postgres")
        JWT_SECRET = "changeme"
        API_TOKEN = os.environ["API_TOKEN"]
        DEBUG_TOOLBAR = os.environ.get("DEBUG_TOOLBAR", "false")
    """
    assert {line for r, line in rules(source, "project/settings.py") if r == "secret.default"} == {5, 6, 7}


def test_a_secret_default_left_in_a_deployment_manifest():
    from archreview.checklist.detectors.config import config_findings

    compose = "services:\n  web:\n    environment:\n      SECRET_KEY: change_me\n      DB_PASSWORD: ${DB_PASSWORD}\n" \
              "      - API_KEY=changeme\n      DEBUG: 'false'\n"
    assert [(f.rule, f.line) for f in config_findings("docker-compose.yml", compose)] == [
        ("secret.default", 4), ("secret.default", 6)]
    assert config_findings(".env.example", "SECRET_KEY=change_me\n") == ()  # a template to copy
    assert [f.line for f in config_findings("deploy/Dockerfile", "FROM python\nENV DJANGO_SECRET_KEY=insecure-key\n")] == [2]


# --- detection across functions: ports and adapters ------------------------------------------------


def test_commit_then_publish_through_an_injected_messaging_port():  # a use case in a hexagonal service
    source = """
        class PlaceOrder:
            def __init__(self, uow: UnitOfWork, broker: MessageBroker, clock: Clock):
                self._uow = uow
                self._broker = broker
                self._clock = clock

            async def __call__(self, command):
                async with self._uow:
                    order = Order.place(command, self._clock.now())
                    await self._uow.orders.add(order)
                    await self._uow.commit()
                await self._broker.message(OrderPlaced(order.id))
                return order.id

        class Notify:
            def __init__(self, events: EventPublisher):
                self.events = events

            def handle(self, repo, item):
                repo.save(item)
                repo.session.commit()
                self.events.emit_item_saved(item.id)
    """
    found = {(r, line) for r, line in rules(source, "app/use_cases.py") if r.startswith("dual_write")}
    assert found == {("dual_write.commit_then_publish", 12), ("dual_write.commit_then_publish", 22)}


def test_a_port_that_only_reads_or_connects_is_not_a_publish():
    source = """
        class Health:
            def __init__(self, broker: MessageBroker):
                self._broker = broker

            async def check(self, session):
                await session.commit()
                await self._broker.ping()
                await self._broker.close()
    """
    assert not {r for r, _ in rules(source)} & {"dual_write.commit_then_publish"}


# --- object access by an id from the request, with no ownership check --------------------------------


def test_fastapi_handler_returns_an_object_by_id_with_no_owner_check():
    source = """
        from fastapi import APIRouter, Depends

        router = APIRouter()

        @router.get("/invoices/{invoice_id}")
        async def read_invoice(invoice_id: int, session: AsyncSession = Depends(get_session),
                               account: Account = Depends(current_account)):
            invoice = await session.get(Invoice, invoice_id)
            return invoice

        @router.get("/notes/{note_id}")
        async def read_note(note_id: int, user: CurrentUser, session: SessionDep):
            note = await session.get(Note, note_id)
            if note.owner_id != user.id:
                raise HTTPException(status_code=404)
            return note
    """
    assert {(r, line) for r, line in rules(source, "app/routes.py") if r == "authz.no_owner_check"} == {
        ("authz.no_owner_check", 8)}


def test_flask_and_django_handlers_with_no_owner_check():
    source = """
        from flask_login import current_user, login_required
        from django.contrib.auth.decorators import login_required as django_login_required
        from django.shortcuts import get_object_or_404

        @bp.route("/orders/<int:order_id>")
        @login_required
        def show_order(order_id):
            order = Order.query.get_or_404(order_id)
            return render_template("order.html", order=order)

        @django_login_required
        def edit_plan(request, plan_id):
            plan = get_object_or_404(NutritionPlan, pk=plan_id)
            plan.name = request.POST["name"]
            plan.save()
            return redirect("plans")

        @django_login_required
        def own_plan(request, plan_id):
            plan = get_object_or_404(NutritionPlan, pk=plan_id, user=request.user)
            return render(request, "plan.html", {"plan": plan})
    """
    assert {line for r, line in rules(source, "app/views.py") if r == "authz.no_owner_check"} == {8, 13}


def test_django_flash_messages_are_not_a_messaging_port():  # healthchecks and wger views
    source = """
        from django.contrib import messages

        def add_channel(request, project):
            channel = Channel(project=project)
            channel.save()
            messages.success(request, "The integration has been added!")
            return redirect("channels")
    """
    assert not {r for r, _ in rules(source, "app/views.py")} & {"dual_write.commit_then_publish"}


def test_a_switch_named_like_a_credential_is_not_a_secret_default():  # redash settings
    source = """
        import os
        ACCESS_CONTROL_ALLOW_CREDENTIALS = parse_boolean(os.environ.get("REDASH_CORS_ALLOW_CREDENTIALS", "false"))
        OPTIONAL_CREDENTIALS = os.environ.get("ATHENA_OPTIONAL_CREDENTIALS", "true")
    """
    assert "secret.default" not in {r for r, _ in rules(source, "redash/settings/__init__.py")}


# --- one problem, one finding (Netflix/dispatch: `every` and `every...at` on one decorator) ---

SCHEDULED = """
    import schedule

    def job():
        pass

    schedule.every(1).day.at("10:00").do(job)
"""


def test_two_matches_of_one_rule_on_one_line_are_one_finding(tmp_path):
    from archreview.analysis.run import analyze

    matched = [(f.rule, f.line) for f in findings(SCHEDULED)]
    assert matched.count(("state.in_process_scheduler", 6)) > 1  # the detector matches each link of the chain
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "service.py").write_text(textwrap.dedent(SCHEDULED).lstrip("\n"), "utf-8")
    shown = [(f.rule, f.path, f.line) for f in analyze(tmp_path).findings]
    assert shown.count(("state.in_process_scheduler", "app/service.py", 6)) == 1


def test_of_two_findings_on_one_line_the_more_confident_is_kept():
    from archreview.analysis.assemble import distinct
    from archreview.checklist.rules import make

    low = make("timeout.missing", "app/a.py", 3, "aiohttp", call="get")
    high = make("timeout.missing", "app/a.py", 3, call="get")
    other_line = make("timeout.missing", "app/a.py", 4, call="get")
    assert distinct([low, high, other_line]) == [high, other_line]


# --- dual writes: the call after the commit must be on the commit's path, and not a UI reply ---
# (seen on held2, Netflix/dispatch's Slack plugin; tuned after looking at that set)


def test_commit_on_the_other_branch_is_not_before_the_call():  # dispatch case/interactive.py: engagement
    source = """
        from dispatch.database import db_session

        def handle_engagement(case, response, client):
            if response == "approved":
                case.status = "engaged"
                db_session.commit()
                return
            else:
                return send_engagement_response(case=case, client=client)
    """
    assert not {r for r, _ in rules(source)} & {"dual_write.commit_then_publish"}


def test_ui_replies_after_a_commit_are_not_publishing():  # dispatch: success modal, ephemeral summary
    source = """
        from dispatch.database import db_session

        def report_incident(body, client, incident):
            db_session.add(incident)
            db_session.commit()
            client.views_update(view_id=body["view"]["id"], view={"type": "modal"})
            client.chat_postEphemeral(channel=incident.channel, user=body["user"], text="Reported")
            send_success_modal(client=client, view_id=body["view"]["id"])
            send_ephemeral_message(client=client, conversation_id=incident.channel, text="Summary")
    """
    assert not {r for r, _ in rules(source)} & {"dual_write.commit_then_publish"}


def test_commit_then_task_on_the_same_path_is_still_found():  # the Celery alert job after a commit
    source = """
        from app.celery import celery_app
        from app.db import session

        def close_case(case, notify):
            case.status = "closed"
            session.commit()
            if notify:
                celery_app.send_task("alerts.case_closed", args=[case.id])
            else:
                client.views_open(trigger_id=case.trigger, view={})
            broker.publish("case.closed", case.id)
    """
    found = {(r, line) for r, line in rules(source) if r == "dual_write.commit_then_publish"}
    assert found == {("dual_write.commit_then_publish", 8), ("dual_write.commit_then_publish", 11)}


def test_courtesy_messages_after_a_commit_are_not_publishing():  # dispatch incident/case flows on close
    source = """
        from dispatch.database import db_session

        def incident_closed_status_flow(incident):
            incident.status = "closed"
            db_session.commit()
            # a direct message asking the commander to review the incident's information
            send_incident_closed_information_review_reminder(incident, db_session)
            # a direct message asking every participant to rate the incident
            send_incident_rating_feedback_message(incident, db_session)
            # an ephemeral prompt to the assignee
            send_event_update_prompt_reminder(incident, db_session)
            send_incident_closed_notification(incident, db_session)
    """
    found = {(r, line) for r, line in rules(source) if r.startswith("dual_write")}
    assert found == {("dual_write.commit_then_publish", 12)}  # the closing notification still is


def test_a_commit_on_a_branch_that_continues_is_not_before_the_call():  # treeherder alert_manager.py
    source = """
        from treeherder.perf.models import PerformanceTelemetryAlert

        def redo_email_alerts(self, alerts):
            for alert in alerts:
                if not self.probes.get(alert.probe):
                    alert.notified = True
                    alert.save()
                    continue
                send_alert_email(alert)
            send_summary_email(alerts)
    """
    found = {(r, line) for r, line in rules(source) if r.startswith("dual_write")}
    # the e-mail in the loop is another row's; the summary after the loop follows the saves
    assert found == {("dual_write.commit_then_publish", 10)}


def test_a_commit_on_a_branch_that_returns_is_not_before_the_call_unless_a_handler_runs_it():
    source = """
        from shop.models import Order

        def finish(order: Order, cancelled):
            try:
                if cancelled:
                    order.status = "cancelled"
                    order.save()
                    return
                send_receipt(order)
            finally:
                notify_warehouse(order)
    """
    found = {(r, line) for r, line in rules(source) if r.startswith("dual_write")}
    assert found == {("dual_write.commit_then_publish", 11)}  # finally runs after the return


def test_a_save_inside_an_atomic_function_or_block_is_not_a_commit():  # taiga auth/services.py, userstories/api.py
    source = """
        from django.db import transaction as tx
        from taiga.users.models import User

        @tx.atomic
        def public_register(username, email):
            user = User(username=username, email=email)
            user.save()
            send_register_email(user)
            return user

        def start_project_transfer(project, user, token):
            with tx.atomic():
                project.transfer_token = token
                project.save()
                with tx.atomic():
                    user.save()
                send_transfer_email(user, project)
                project.refresh_from_db()
            send_transfer_start_email(user, project)
    """
    found = {(r, line) for r, line in rules(source) if r.startswith("dual_write")}
    # inside the transaction the e-mails go out before anything commits; after the block, after it
    assert found == {("dual_write.publish_then_commit", 8), ("dual_write.publish_then_commit", 17),
                     ("dual_write.commit_then_publish", 19)}


def test_an_in_memory_counter_is_not_a_check_then_update():  # Tandoor cookbook/helper/open_data_importer.py
    source = """
        from cookbook.models import Unit

        def import_units(self, od_response, update_list, create_list):
            if self.update_existing and len(update_list) > 0:
                Unit.objects.bulk_update(update_list, ["name"])
                od_response.total_updated += len(update_list)
            if len(create_list) > 0:
                Unit.objects.bulk_create(create_list)
                od_response.total_created += len(create_list)
            return od_response

        def share_link_valid(link, limit):
            if 0 < limit < link.request_count:
                return False
            link.request_count += 1
            link.save()
            return True
    """
    found = {(r, line) for r, line in rules(source) if r == "race.check_then_update"}
    assert found == {("race.check_then_update", 15)}  # the share link's counter is saved; the import tally never is


def test_a_lookup_scoped_to_the_callers_tenant_is_an_ownership_check():  # Tandoor cookbook/views/api.py
    source = """
        from django.contrib.auth.decorators import login_required
        from django.db.models import Q
        from django.shortcuts import get_object_or_404

        @login_required
        def import_recipe(request, pk):
            new_recipe = get_object_or_404(RecipeImport, pk=pk, space=request.space)
            return Response(new_recipe.convert_to_recipe(request.user))

        @login_required
        def ai_properties(request):
            provider = AiProvider.objects.filter(pk=request.query_params.get("provider")).filter(
                Q(space=request.space) | Q(space__isnull=True)).first()
            return Response(provider.name)

        @login_required
        def show_import(request, pk):
            recipe = get_object_or_404(RecipeImport, pk=request.GET["pk"])
            return Response(recipe.name)
    """
    # the id the caller sends (request.GET) is not a scope; the caller's space is
    assert {line for r, line in rules(source, "cookbook/views/api.py") if r == "authz.no_owner_check"} == {18}


# --- dual writes: a call handed the commit's session, a model's classmethod (held3, after looking) ----


def test_a_call_handed_the_commits_session_writes_to_the_same_database():  # dstack services/fleets.py
    source = """
        import requests
        from sqlalchemy.ext.asyncio import AsyncSession
        from dstack.server.services import events

        async def create_fleet(session: AsyncSession, user, spec, broker):
            fleet = FleetModel(name=spec.name)
            session.add(fleet)
            events.emit(session, "Fleet created", actor=user, targets=[fleet])
            await session.commit()
            events.emit(session, "Fleet provisioning", actor=user, targets=[fleet])
            emit_fleet_status_change_event(session=session, fleet=fleet)
            notify_owner(fleet.id)
            send_task_delay.delay(session, fleet.id)
            jobs.enqueue(session, fleet.id)
            requests.post(spec.hook, json={"session": 1}, timeout=5)
            return fleet
    """
    found = {(r, line) for r, line in rules(source) if r.startswith("dual_write")}
    # the three calls handed the session add rows to its transaction; the named notification with no
    # session, the Celery task (whatever it is handed) and the webhook still leave the database
    assert found == {("dual_write.commit_then_publish", 12), ("dual_write.commit_then_publish", 13),
                     ("dual_write.commit_then_publish", 15)}


def test_a_publish_handed_another_session_or_a_send_handed_the_same_one_still_leaves():  # dispatch send_*(.., db_session)
    source = """
        def close_order(db, audit_session, order):
            db.session.commit()
            publish_event(audit_session, order.id)
            publish_event(db.session, order.id)
            send_order_closed_notification(order, db.session)
    """
    found = {(r, line) for r, line in rules(source) if r.startswith("dual_write")}
    # another session is another transaction; a delivery verb reads with the session, then goes out
    assert found == {("dual_write.commit_then_publish", 3), ("dual_write.commit_then_publish", 5)}


def test_a_model_classmethod_named_like_a_message_writes_a_row():  # bookwyrm models/move.py, group.py
    move = """
        from django.db import models
        from .base_model import BookWyrmModel
        from .notification import Notification, NotificationType

        class Move(BookWyrmModel):
            def save(self, *args, **kwargs):
                self.user.save(update_fields=["moved_to"])
                super().save(*args, **kwargs)
                for follower in self.user.followers.all():
                    Notification.notify(follower, self.user, notification_type=NotificationType.MOVE)
                send_move_email(self.user)
    """
    found = {(r, line) for r, line in rules(move, "bookwyrm/models/move.py") if r.startswith("dual_write")}
    assert found == {("dual_write.commit_then_publish", 11)}  # the e-mail helper is still a send
    notification = """
        from django.db import models, transaction
        from .base_model import BookWyrmModel

        class Notification(BookWyrmModel):
            @classmethod
            @transaction.atomic
            def notify(cls, user, related_user, **kwargs):
                notification = cls.objects.create(user=user, **kwargs)
                notification.save()

        @transaction.atomic
        def notify_user_on_list_item_add(sender, instance, created, *args, **kwargs):
            instance.book_list.save()
            Notification.notify_list_item(instance.book_list.user, instance)
            Mailer.notify(instance.book_list.user)
    """
    found = {(r, line) for r, line in rules(notification, "bookwyrm/models/notification.py")
             if r.startswith("dual_write")}
    assert found == {("dual_write.publish_then_commit", 15)}  # Mailer is no model of this file


def test_a_commit_that_only_ends_a_read_or_serves_one_backend_is_not_a_second_commit():  # dstack services/volumes.py
    source = """
        from sqlalchemy import select

        async def create_volume(session, project, user, configuration, is_global):
            spec = await apply_plugin_policies(user=user.name, project=project.name)
            repo = await _get_run_repo_or_error(session=session, project=project)
            if is_db_sqlite():
                # Start new transaction to see committed changes after lock
                await session.commit()
            elif is_db_postgres():
                await session.execute(select(func.pg_advisory_xact_lock(lock_id(project.name))))
            if is_global and is_db_sqlite():
                await session.commit()
            volume = VolumeModel(name=spec.name, project=project)
            session.add(volume)
            await session.commit()

        async def delete_volumes(session, project, names):
            res = await session.execute(select(VolumeModel).where(VolumeModel.name.in_(names)))
            ids = sorted(v.id for v in res.scalars().all())
            await session.commit()
            async with lock_ctx(ids):
                for volume in await load_locked(session, ids):
                    volume.to_be_deleted = True
                await session.commit()

        async def rename_volume(session, volume, name):
            volume.name = name
            if is_db_sqlite():
                await session.commit()
            session.add(VolumeEvent(volume=volume))
            await session.commit()

        async def tag_volume(session, volume, name):
            tag = await get_or_create_tag(session, name)
            if is_db_sqlite():
                await session.commit()
            session.add(VolumeTag(volume=volume, tag=tag))
            await session.commit()
    """
    found = {(r, line) for r, line in rules(source) if r == "transaction.multiple_commits"}
    # the rename and the tag were written before their first commit
    assert found == {("transaction.multiple_commits", 31), ("transaction.multiple_commits", 38)}


def test_a_module_run_as_a_script_is_placed_as_an_operator_command():
    # held6, after looking: jumpserver's utils/create_assets_user/bulk_create_user.py and
    # utils/example_api.py, luigi's luigi/tools/luigi_grep.py; each ends in a __main__ block
    source = """
        import requests

        def create_users(host, names):
            for name in names:
                requests.post(host + "/api/v1/users/users/", json={"name": name})

        if __name__ == '__main__':
            create_users("https://jms.example.com", ["a", "b"])
    """
    [script] = findings(source, "utils/create_assets_user/bulk_create_user.py")
    assert script.rule == "timeout.missing" and script.confidence < 0.5 and "operator command" in script.message
    flipped = source.replace("if __name__ == '__main__':", "if '__main__' == __name__:")
    assert [f.confidence < 0.5 for f in findings(flipped, "luigi/tools/luigi_grep.py")] == [True]
    # the same code imported by the service, or with the guard only inside a function, is production
    guard_in_a_function = source.replace("if __name__ == '__main__':", "def run():\n            if __name__ == '__main__':")
    guard_in_a_function = guard_in_a_function.replace('    create_users("https', '        create_users("https')
    for module in (source.split("if __name__")[0], guard_in_a_function):
        [service] = findings(module, "apps/users/sync.py")
        assert service.confidence >= 0.9 and "operator command" not in service.message


def test_a_function_registered_as_a_cli_command_is_placed_as_an_operator_command():
    # held7, after looking: OctoPrint's appkeys plugin defines its `request-key` click command in
    # the plugin's __init__.py, beside the server code, and polls the server with no timeout
    source = """
        import click
        import requests

        def get_cli_commands(cli_group, pass_octoprint_ctx):
            @click.command("request-key")
            @click.argument("app_id")
            def request_key(app_id):
                r = requests.post("http://localhost:5000/plugin/appkeys/request", json={"app": app_id})
                return r.json()

            return [request_key]

        def poll(app_id):
            return requests.get("http://localhost:5000/plugin/appkeys/probe")
    """
    found = {f.line: f for f in findings(source, "src/octoprint/plugins/appkeys/__init__.py")}
    assert found[8].confidence < 0.5 and "operator command" in found[8].message
    assert found[14].confidence >= 0.9  # the plugin's own call, outside the command
    flask = """
        import requests
        from flask import Flask

        app = Flask(__name__)

        @app.cli.command("sync-zones")
        def sync_zones():
            requests.get("https://dns.example.com/api/v1/zones")
    """
    [command] = findings(flask, "powerdnsadmin/__init__.py")
    assert command.confidence < 0.5
    slack = """
        import requests
        from slack_bolt import App

        app = App()

        @app.command("/zones")
        def zones(ack, respond):
            respond(requests.get("https://dns.example.com/api/v1/zones").text)
    """
    [handler] = findings(slack, "bot/app.py")  # a Slack slash command is a request handler
    assert handler.confidence >= 0.9


def test_a_name_that_shadows_requests_is_not_the_library():
    # held8, after looking: Flexget's notifiers bind `requests` to the project's own session, which
    # sets a 30 s default timeout; a parameter named `requests` is not the library either
    source = """
        from requests.exceptions import RequestException
        from flexget.utils.requests import Session as RequestSession

        requests = RequestSession(max_retries=3)

        def notify(server, notification):
            requests.post(server, json=notification)

        def search(task, requests):
            return requests.get("https://ettv.example/search")
    """
    assert not {r for r, _ in rules(source, "flexget/components/notify/notifiers/bark.py")} & {"timeout.missing"}
    imported = "import requests\n\ndef notify(server, notification):\n    requests.post(server, json=notification)\n"
    assert ("timeout.missing", 4) in rules(imported, "app/notify.py")


def test_in_app_notifications_model_saves_and_mapping_reads_are_not_publishes():
    # held11, tuned after looking (Pontoon): django-notifications' notify.send writes a Notification row,
    # message.save() saves a Message model, updates.items() reads a dict typed dict[str, L10nResource[Message]];
    # a port typed Optional[MessageBroker] still publishes
    source = """
        from typing import Optional

        from django.db import transaction
        from notifications.signals import notify

        def send_message(request, form, updates: dict[str, L10nResource[Message]], bus: Optional[MessageBroker]):
            with transaction.atomic():
                form.save()
            notify.send(request.user, recipient=request.user, verb="sent")
            message = form.save(commit=False)
            message.save()
            for path, res in updates.items():
                res.all_entries()
            bus.announce(request.user.pk)
    """
    assert {(r, line) for r, line in rules(source, "pontoon/messaging/views.py")
            if r.startswith("dual_write")} == {("dual_write.commit_then_publish", 14)}


def test_commits_in_ifs_whose_conditions_exclude_each_other_are_one_commit_per_run():
    # held11, tuned after looking (bitcart api/services/crud/invoices.py update_status): the commit under
    # `status == PENDING` and the one under `status != PENDING` never both run; two independent ifs still can
    source = """
        async def update_status(self, invoice, status, method=None):
            if status == InvoiceStatus.PENDING and method and invoice.sent_amount > 0:
                invoice.update(paid_currency=method.name)
                await self.session.commit()
            if invoice.status != status and status != InvoiceStatus.PENDING:
                invoice.update(status=status)
                await self.session.commit()
            if method:
                method.update(is_used=True)
                await self.session.commit()
    """
    found = {(r, line) for r, line in rules(source, "api/services/crud/invoices.py") if r == "transaction.multiple_commits"}
    assert found == {("transaction.multiple_commits", 10)}
    reassigned = source.replace("            if invoice.status != status", "            status = await self.next(status)\n"
                                "            if invoice.status != status")
    assert {r for r, _ in rules(reassigned, "api/services/crud/invoices.py")} >= {"transaction.multiple_commits"}


def test_a_function_its_file_only_runs_inside_atomic_is_placed_lower_and_says_so():
    # held11, tuned after looking (Pontoon sync/core/entities.py): update_resources writes row by row, and the
    # file's only caller runs it inside `with transaction.atomic():`
    source = """
        from django.db import transaction

        def sync_resources_from_repo(project, updates, now):
            with transaction.atomic():
                return update_resources(project, updates, now)

        def update_resources(project, updates, now):
            Resource.objects.filter(project=project).update(date_modified=now)
            Entity.objects.bulk_create(updates)

        def update_entities(project, updates):
            Resource.objects.filter(project=project).update(total=0)
            Entity.objects.bulk_create(updates)

        def sync_entities(project, updates):
            update_entities(project, updates)
    """
    by_func = {f.message.split("()")[0]: f for f in findings(source, "pontoon/sync/core/entities.py")
               if f.rule == "transaction.multiple_commits"}
    assert "every call of it in this file runs inside one (the first at line 5)" in by_func["update_resources"].message
    assert by_func["update_resources"].confidence < by_func["update_entities"].confidence
    assert "no transaction.atomic:" in by_func["update_entities"].message


def test_a_pem_header_written_around_a_key_is_not_a_key_but_a_key_in_the_source_is():
    # held11, tuned after looking (IntelOwl analyzers_manager/file_analyzers/yara_scan.py _update_git): the
    # headers re-wrap an SSH key the user configured; dstack's startswith check has the same shape
    source = '''
        def _update_git(self):
            ssh_key = self.key.replace("-----BEGIN OPENSSH PRIVATE KEY-----", "")
            ssh_key = ssh_key.replace("-----END OPENSSH PRIVATE KEY-----", "")
            ssh_key = "-----BEGIN OPENSSH PRIVATE KEY-----\\n" + ssh_key.strip()
            if not ssh_key.startswith("-----BEGIN PRIVATE KEY-----"):
                return ssh_key
    '''
    assert not {r for r, _ in rules(source, "api_app/analyzers_manager/file_analyzers/yara_scan.py")} & {"secret.pattern"}
    body = "\n".join(["MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7" + "x" * 12] * 3)
    pasted = f'DEPLOY_KEY = """-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----"""\n'
    assert ("secret.pattern", 1) in rules(pasted, "app/deploy.py")
