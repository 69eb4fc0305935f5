"""What a change brings, on the shapes real changes took (issue 11), each in a git repository
built here and analysed base..head the way the CLI does."""

from __future__ import annotations

import textwrap

import pytest

from archreview.analysis.run import analyze

APP = {
    "app/__init__.py": "",
    "app/views.py": "def index(session):\n    return session.query(1).all()\n",
    "app/models.py": "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
    "requirements.txt": "SQLAlchemy==2.0.20\n",
}


def change(git_repo, base: dict, head: dict, name: str = "repo"):
    """Analyse the change from a repository at ``base`` to the same plus/minus ``head``."""
    files = {k: textwrap.dedent(v) if isinstance(v, str) else v for k, v in head.items()}
    repo = git_repo([{**APP, **{k: textwrap.dedent(v) for k, v in base.items()}}, files], name=name)
    return analyze(repo.path, base=repo.commits[0], head=repo.commits[1], use_cache=False, jobs=1)


def kinds(result) -> set[tuple[str, str]]:
    return {(f.kind, f.name) for f in result.new_infrastructure if not f.test_only}


def config_keys(result) -> str:
    return next((f.name for f in result.new_infrastructure if f.name.startswith("config keys")), "")


ENGINE = """\
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session, sessionmaker
    from app.settings import settings
    engine = create_engine(settings.DATABASE_URL)
    SessionLocal = sessionmaker(bind=engine)
    """
SETTINGS = """\
    from pydantic_settings import BaseSettings
    class Settings(BaseSettings):
        DATABASE_URL: str = "postgresql://db/app"
    settings = Settings()
    """


def test_a_read_replica_engine_with_its_session_maker_and_routing_is_new_database(git_repo, private_cache) -> None:
    replica = textwrap.dedent(ENGINE) + textwrap.dedent("""\
        replica = create_engine(settings.READ_REPLICA_URL)
        class RoutingSession(Session):
            def get_bind(self, mapper=None, clause=None, **kw):
                return engine if self._flushing else replica
        ReadSession = sessionmaker(bind=replica, class_=RoutingSession)
        """)
    settings = SETTINGS.replace('"postgresql://db/app"\n', '"postgresql://db/app"\n        READ_REPLICA_URL: str = ""\n')
    result = change(git_repo, {"app/db.py": ENGINE, "app/settings.py": SETTINGS},
                    {"app/db.py": replica, "app/settings.py": settings})
    assert {("database", "sqlalchemy engine"), ("database", "sqlalchemy session factory")} <= kinds(result)
    assert config_keys(result) == "config keys: READ_REPLICA_URL"
    q1, q4 = result.fit_test[0], result.fit_test[3]
    assert q1.verdict == "drifts" and any("read replica" in e.text and e.path == "app/db.py" for e in q1.evidence)
    assert q4.verdict == "drifts" and any("sqlalchemy engine" in e.text and "read replica" in e.text for e in q4.evidence)


def test_the_same_engine_behind_a_condition_or_moved_to_another_module_is_not_new(git_repo, private_cache) -> None:
    conditional = ENGINE.replace("create_engine(settings.DATABASE_URL)",
                                 "create_engine(settings.DATABASE_URL) if settings else create_engine(settings.OTHER)")
    result = change(git_repo, {"app/db.py": ENGINE, "app/settings.py": SETTINGS},
                    {"app/db.py": None, "app/database.py": conditional})
    assert kinds(result) == set()


def test_config_keys_from_settings_fields_env_prefix_env_helpers_and_constants(git_repo, private_cache) -> None:
    head = {
        "app/cache_settings.py": """\
            from pydantic_settings import BaseSettings, SettingsConfigDict
            from pydantic import Field
            class CacheSettings(BaseSettings):
                model_config = SettingsConfigDict(env_prefix="CACHE_")
                ttl: int = 60
                url: str = Field("", alias="CACHE_SERVER_URL")
            """,
        "app/flags.py": """\
            import os
            from dataclasses import dataclass
            FLAG_VARIABLE = "FEATURE_FLAGS_URL"
            def envbool(name, default):
                return os.getenv(name, default) == "True"
            @dataclass(frozen=True)
            class MailConfig:
                smtp_host: str = os.getenv("SMTP_HOST", "localhost")
            USE_GZIP = envbool("USE_GZIP", "False")
            FLAGS = os.environ.get(FLAG_VARIABLE)
            SECRET = os.environ["SIGNING_SECRET"]
            """,
    }
    result = change(git_repo, {"app/settings.py": SETTINGS}, head)
    assert config_keys(result) == ("config keys: CACHE_SERVER_URL, CACHE_TTL, FEATURE_FLAGS_URL, SIGNING_SECRET, "
                                   "SMTP_HOST, USE_GZIP")
    assert [f.kind for f in result.new_infrastructure].count("config") == 1  # once per change


def test_a_moved_settings_module_and_a_renamed_config_file_bring_no_config(git_repo, private_cache) -> None:
    base = {"app/settings.py": SETTINGS, "deploy/app.ini": "[app]\nworkers = 2\n"}
    result = change(git_repo, base, {"app/settings.py": None, "app/core/config.py": SETTINGS,
                                     "deploy/app.ini": None, "deploy/server.ini": "[app]\nworkers = 2\n"})
    assert kinds(result) == set()


CELERY = """\
    from celery import Celery
    app = Celery("worker", broker="redis://redis:6379/0", backend="redis://redis:6379/1")
    @app.task
    def send(x):
        return x
    """
COMPOSE = """\
    services:
      web:
        build: .
      redis:
        image: redis:7
    """


def test_redis_as_the_celery_broker_is_the_task_queue_in_code_and_compose(git_repo, private_cache) -> None:
    result = change(git_repo, {}, {"app/tasks.py": CELERY, "docker-compose.yml": COMPOSE,
                                   "requirements.txt": "SQLAlchemy==2.0.20\ncelery[redis]\nredis\n"})
    assert kinds(result) == {("task_queue", "celery"), ("service", "web")}
    [queue] = [f for f in result.new_infrastructure if f.kind == "task_queue"]
    assert {e.path for e in queue.evidence} >= {"app/tasks.py", "docker-compose.yml"}


def test_redis_as_a_django_cache_backend_stays_a_cache(git_repo, private_cache) -> None:
    settings = """\
        CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                              "LOCATION": "redis://redis:6379/1"}}
        """
    result = change(git_repo, {"app/tasks.py": CELERY}, {"app/settings.py": settings, "docker-compose.yml": COMPOSE})
    assert ("cache", "django cache") in kinds(result) or ("cache", "redis") in kinds(result)
    assert not any(f.kind == "task_queue" for f in result.new_infrastructure)


def test_dramatiq_redis_broker_setting_is_the_task_queue_not_a_cache(git_repo, private_cache) -> None:
    head = {
        "app/config.py": 'from pydantic import BaseSettings\nclass Settings(BaseSettings):\n    redis_broker: str = "redis://localhost:6379"\n',
        "app/worker.py": "import dramatiq\nfrom dramatiq.brokers.redis import RedisBroker\nbroker = RedisBroker(url='x')\n",
    }
    result = change(git_repo, {}, head)
    assert ("task_queue", "dramatiq") in kinds(result)
    assert not any(f.kind == "cache" for f in result.new_infrastructure)


def test_faststream_kafka_aiokafka_and_confluent_clients_are_message_queues(git_repo, private_cache) -> None:
    head = {
        "app/events.py": """\
            from faststream import FastStream
            from faststream.rabbit import RabbitBroker
            broker = RabbitBroker("amqp://guest:guest@mq/")
            @broker.subscriber("orders")
            async def on_order(body): ...
            """,
        "app/stream.py": "from aiokafka import AIOKafkaProducer\nproducer = AIOKafkaProducer(bootstrap_servers='k:9092')\n",
    }
    result = change(git_repo, {}, head)
    assert {("message_queue", "rabbitmq"), ("message_queue", "kafka")} <= kinds(result)


def test_structlog_opentelemetry_sentry_and_grafana_services_are_observability(git_repo, private_cache) -> None:
    head = {
        "app/telemetry.py": """\
            import structlog
            import sentry_sdk
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
            structlog.configure()
            sentry_sdk.init(dsn="")
            """,
        "docker-compose.yml": """\
            services:
              loki:
                image: grafana/loki:2.9.2
              tempo:
                image: grafana/tempo:latest
              promtail:
                image: grafana/promtail
              vector:
                image: timberio/vector:0.34.0-debian
              alertmanager:
                image: prom/alertmanager
            """,
    }
    result = change(git_repo, {}, head)
    assert {("observability", n) for n in ("structlog", "sentry", "opentelemetry", "loki", "tempo", "promtail",
                                           "vector", "alertmanager")} <= kinds(result)
    assert not any(f.kind == "service" for f in result.new_infrastructure)


def test_a_named_dockerfile_and_the_compose_service_built_from_it_are_new_deployables(git_repo, private_cache) -> None:
    base = {"Dockerfile": "FROM python:3.12\nCMD [\"python\", \"-m\", \"app\"]\n",
            "docker-compose.yml": "services:\n  web:\n    build: .\n"}
    head = {"Dockerfile.worker": "FROM python:3.12\nCMD [\"celery\", \"-A\", \"app.tasks\", \"worker\"]\n",
            "docker-compose.yml": "services:\n  web:\n    build: .\n  worker:\n    build:\n      context: .\n"
                                  "      dockerfile: Dockerfile.worker\n"}
    result = change(git_repo, base, head)
    assert {("container", "python"), ("service", "worker")} <= kinds(result)


def test_a_renamed_compose_file_keeps_its_services(git_repo, private_cache) -> None:
    compose = "services:\n  web:\n    build: .\n  db:\n    image: postgres:16\n  mq:\n    image: rabbitmq:3\n"
    result = change(git_repo, {"docker-compose.yml": compose}, {"docker-compose.yml": None, "compose.yaml": compose})
    assert result.new_infrastructure == ()


@pytest.mark.parametrize("supervisor", ["deploy/worker.conf", "deploy/supervisor/beat.ini"])
def test_a_supervisor_program_file_is_a_process_not_config(git_repo, private_cache, supervisor) -> None:
    result = change(git_repo, {}, {supervisor: "[program:worker]\ncommand=celery -A app.tasks worker\n"})
    assert ("config", supervisor) not in kinds(result)
    assert ("task_queue", "celery") in kinds(result)


def test_a_src_package_keeps_its_modules_apart_and_one_node_under_two_spellings(git_repo, private_cache) -> None:
    files = {
        "src/__init__.py": "",
        "src/modules/__init__.py": "",
        "src/modules/users/__init__.py": "",
        "src/modules/users/service.py": "from src.modules.orders import repo\n",
        "src/modules/orders/__init__.py": "",
        "src/modules/orders/repo.py": "from modules.users import service\n",
        "src/main.py": "from src.modules.users.service import x\nfrom src.modules.orders.repo import y\n",
    }
    repo = git_repo([files])
    result = analyze(repo.path, use_cache=False, jobs=1)
    targets = {m.path: sorted({i.target for i in m.imports if i.category == "internal"}) for m in result.modules}
    assert targets["src/main.py"] == ["modules.orders.repo", "modules.users.service"]
    assert targets["src/modules/users/service.py"] == ["modules.orders", "modules.orders.repo"] or \
        targets["src/modules/users/service.py"] == ["modules.orders.repo"]
    assert targets["src/modules/orders/repo.py"] == ["modules.users.service"]
    assert not any(i.target == "src" for m in result.modules for i in m.imports)


def _drop_object(repo, spec: str) -> None:
    """Delete one loose object, as a damaged mirror or an incomplete copy lacks it."""
    oid = repo.git("rev-parse", spec).strip()
    (repo.path / ".git" / "objects" / oid[:2] / oid[2:]).unlink()


def test_a_missing_old_blob_still_analyses_both_refs_and_records_the_fallbacks(git_repo, private_cache) -> None:
    repo = git_repo([{**APP, "app/old.txt": "one\n"}, {"app/old.txt": "two\n", "app/cache.py": "import redis\n"},
                     {"app/views.py": APP["app/views.py"] + "# edited\n"}])
    _drop_object(repo, f"{repo.commits[0]}:app/old.txt")
    result = analyze(repo.path, base=repo.commits[0], head=repo.commits[2], use_cache=False, jobs=1)
    assert result.base is not None and {f.path for f in result.head.files} >= {"app/cache.py", "app/views.py"}
    assert ("cache", "redis") in kinds(result)
    history = [e.message for e in result.errors if e.path == "(history)"]
    assert any(m.startswith("churn counts commits only") for m in history)
    assert {c.path: c.commits for c in result.churn}["app/views.py"] == 2
    assert set(result.changed_files) >= {"app/cache.py", "app/old.txt", "app/views.py"}


def test_a_blobless_partial_clone_analyses_both_refs_without_fetching(git_repo, private_cache, tmp_path) -> None:
    source = git_repo([APP, {"app/cache.py": "import redis\n"}])
    source.git("config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "partial.git"
    source.git("clone", "-q", "--bare", "--filter=blob:none", f"file://{source.path}", str(clone))
    result = analyze(clone, base=source.commits[0], head=source.commits[1], use_cache=False, jobs=1)
    assert result.changed_files == ("app/cache.py",)
    assert any(e.path == "(history)" for e in result.errors)
    assert any(e.message == "object missing from the repository" for e in result.errors)


def test_a_shallow_clone_analyses_the_change_it_holds(git_repo, private_cache, tmp_path) -> None:
    source = git_repo([APP, {"app/a.py": "x = 1\n"}, {"app/cache.py": "import redis\nr = redis.Redis()\n"}])
    clone = tmp_path / "shallow"
    source.git("clone", "-q", "--depth", "2", f"file://{source.path}", str(clone))
    result = analyze(clone, base=source.commits[1], head=source.commits[2], use_cache=False, jobs=1)
    assert ("cache", "redis") in kinds(result)
    assert result.churn


# --- setting names and URLs support a kind that code shows; they never decide it ---------------

SETTINGS_ONLY = """\
    from pydantic import Field
    from pydantic_settings import BaseSettings
    class Settings(BaseSettings):
        SENTRY_DSN: str | None = None
        redis_url: str = Field("redis://:pw@redis:6379/0", alias="REDIS_URL")
        broker_url: str = Field(..., alias="BROKER_URL")
        RABBITMQ_HOST: str = "mq"
    """


def test_settings_fields_naming_sentry_redis_and_a_broker_are_config_keys_not_infrastructure(git_repo, private_cache) -> None:
    # DmDogger/CryptoAlrt 9c13c92 "add config": pydantic fields aliased REDIS_URL / BROKER_URL, nothing connects
    result = change(git_repo, {}, {"app/config.py": SETTINGS_ONLY})
    assert kinds(result) == {("config", "config keys: BROKER_URL, RABBITMQ_HOST, REDIS_URL, SENTRY_DSN")}


def test_initialising_sentry_is_new_though_its_setting_and_dependency_were_there(git_repo, private_cache) -> None:
    # fastapi/full-stack-fastapi-template c8b3ccce: SENTRY_DSN field and sentry-sdk declared in base, init added
    requirements = "SQLAlchemy==2.0.20\nsentry-sdk[fastapi]==1.40\n"
    base = {"app/config.py": SETTINGS_ONLY, "requirements.txt": requirements}
    main = "import sentry_sdk\nfrom app.config import Settings\nif Settings().SENTRY_DSN:\n    sentry_sdk.init(dsn=str(Settings().SENTRY_DSN))\n"
    result = change(git_repo, base, {"app/main.py": main})
    assert kinds(result) == {("observability", "sentry")}
    [sentry] = result.new_infrastructure
    assert {e.path for e in sentry.evidence} == {"app/main.py", "app/config.py"}  # the init, and the setting it reads


def test_a_url_names_the_database_that_code_already_shows_a_kind_of(git_repo, private_cache) -> None:
    # miguelgrinberg/microblog f1b2b6f: Flask-SQLAlchemy in use, the change points it at Heroku Postgres
    config = "import os\nclass Config:\n    SQLALCHEMY_DATABASE_URI = os.environ.get('DATABASE_URL', '').replace('postgres://', 'postgresql://')\n"
    result = change(git_repo, {}, {"app/config.py": config, "requirements.txt": "SQLAlchemy==2.0.20\npsycopg2-binary\n"})
    assert ("database", "postgresql") in kinds(result)


def test_rabbitmq_settings_and_compose_image_handed_only_to_celery_are_its_broker(git_repo, private_cache) -> None:
    # fastapi-practices/fastapi_best_architecture 275f9e5e: RABBITMQ_HOST fields, compose rabbitmq, Celery broker
    celery = """\
        from celery import Celery
        from app.config import Settings
        s = Settings()
        app = Celery("app", broker=f"amqp://guest:guest@{s.RABBITMQ_HOST}:5672//")
        """
    compose = "services:\n  mq:\n    image: rabbitmq:3-management\n"
    result = change(git_repo, {}, {"app/config.py": SETTINGS_ONLY, "app/worker.py": celery, "docker-compose.yml": compose,
                                   ".env.example": "RABBITMQ_HOST=mq\n"})
    assert ("task_queue", "celery") in kinds(result)
    assert not any(f.kind in ("message_queue", "cache") for f in result.new_infrastructure)
    [queue] = [f for f in result.new_infrastructure if f.kind == "task_queue"]
    assert "docker-compose.yml" in {e.path for e in queue.evidence}


def test_a_compose_redis_in_a_taskiq_redis_system_is_the_broker_already_there(git_repo, private_cache) -> None:
    # DmDogger/CryptoAlrt c444ed2: compose adds redis; the code already queued tasks on it through taskiq-redis
    tasks = """\
        from taskiq import AsyncBroker
        from taskiq_redis import ListQueueBroker
        from app.config import Settings
        broker = ListQueueBroker(url=str(Settings().redis_url))
        """
    compose = "services:\n  redis:\n    image: redis:7-alpine\n"
    result = change(git_repo, {"app/config.py": SETTINGS_ONLY, "app/tasks.py": tasks}, {"docker-compose.yml": compose})
    assert kinds(result) == set()
    direct = change(git_repo, {"app/config.py": SETTINGS_ONLY},
                    {"app/cache.py": "import redis\nclient = redis.Redis.from_url('redis://redis')\n",
                     "docker-compose.yml": compose}, name="direct")
    assert ("cache", "redis") in kinds(direct)


def test_a_dockerfile_moved_into_a_docker_folder_is_not_a_new_service(git_repo, private_cache) -> None:
    # fief-dev/fief 356ffa1: Dockerfile -> docker/Dockerfile, with a supervisord.conf beside it
    dockerfile = 'FROM python:3.12\nCOPY . /app\nCMD ["uvicorn", "app.main:app"]\n'
    moved = dockerfile.replace('CMD ["uvicorn", "app.main:app"]', 'CMD ["supervisord", "-c", "/etc/supervisord.conf"]')
    result = change(git_repo, {"Dockerfile": dockerfile},
                    {"Dockerfile": None, "docker/Dockerfile": moved,
                     "docker/supervisord.conf": "[program:api]\ncommand=uvicorn app.main:app\n"})
    assert not any(f.kind in ("service", "container") for f in result.new_infrastructure)
    second = change(git_repo, {"Dockerfile": dockerfile}, {"worker/Dockerfile": dockerfile}, name="second")
    assert ("service", "worker") in kinds(second)


def test_a_developer_test_setup_under_scripts_or_devcontainer_is_not_production(git_repo, private_cache) -> None:
    # sissbruecker/linkding 77c45c6: an "unsecure test setup" (Authelia + Traefik compose and their YAML)
    compose = ("services:\n  authelia:\n    image: authelia/authelia\n    volumes:\n      - ./authelia:/config\n"
               "  traefik:\n    image: traefik:v2.10\n  redis:\n    image: redis:7\n")
    config = "server:\n  host: 0.0.0.0\nsession:\n  redis:\n    host: redis\n"
    dev = {"scripts/unsecure-test-setups/oidc/docker-compose.yml": compose,
           "scripts/unsecure-test-setups/oidc/authelia/configuration.yml": config,
           ".devcontainer/docker-compose.yml": compose}
    result = change(git_repo, {}, dev)
    assert kinds(result) == set()
    assert {f.kind for f in result.new_infrastructure if f.test_only} >= {"service"}
    prod = change(git_repo, {}, {"deploy/docker-compose.yml": compose}, name="prod")
    assert {("service", "authelia"), ("service", "traefik")} <= kinds(prod)


def test_a_redis_client_opened_where_redis_was_already_in_use_is_not_a_new_cache(git_repo, private_cache) -> None:
    # mozilla/treeherder d05b42c: Redis() in new extract modules, Redis already the Django cache;
    # CERT-Polska/mwdb-core 3be33c6: Redis.from_url(redis_uri) beside flask-limiter's Redis storage
    settings = """\
        CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://redis:6379/0"}}
        """
    one = "from redis import Redis\n\ndef state():\n    return Redis().get('k')\n"
    result = change(git_repo, {"app/settings.py": settings},
                    {"app/extract/jobs.py": one, "app/extract/alerts.py": one})
    assert ("cache", "redis") not in kinds(result)
    second = change(git_repo, {"app/settings.py": settings},
                    {"app/extract/jobs.py": one,
                     "app/sessions.py": "import redis\nstore = redis.from_url('redis://sessions:6379/1')\n"},
                    name="second")
    assert ("cache", "redis") in kinds(second)
    fresh = change(git_repo, {}, {"app/extract/jobs.py": one}, name="fresh")
    assert ("cache", "redis") in kinds(fresh)


def test_another_client_library_for_the_same_object_store_is_not_new_object_storage(git_repo, private_cache) -> None:
    # CERT-Polska/mwdb-core 5520756: Minio-py replaced by boto3 against the same S3-compatible store
    minio = "from minio import Minio\nclient = Minio('s3:9000')\n"
    boto = "import boto3\nclient = boto3.client('s3', endpoint_url='http://s3:9000')\n"
    result = change(git_repo, {"app/storage.py": minio}, {"app/storage.py": boto})
    assert not any(f.kind == "object_storage" for f in result.new_infrastructure)
    first = change(git_repo, {}, {"app/storage.py": boto}, name="first")
    assert ("object_storage", "s3") in kinds(first)


def test_a_redis_pool_with_its_own_new_setting_is_a_second_cache(git_repo, private_cache) -> None:
    # benavlabs/FastAPI-boilerplate f14e552: a rate-limit Redis pool beside the cache pool, with its own URL setting
    config = """\
        from pydantic_settings import BaseSettings
        class RedisCacheSettings(BaseSettings):
            REDIS_CACHE_URL: str = "redis://redis:6379"
        """
    pool = "from redis.asyncio import Redis, ConnectionPool\npool: ConnectionPool | None = None\nclient: Redis | None = None\n"
    limiter = textwrap.dedent(config) + "class RedisRateLimiterSettings(BaseSettings):\n    REDIS_RATE_LIMIT_URL: str = \"redis://redis:6379\"\n"
    result = change(git_repo, {"app/config.py": config, "app/cache.py": pool},
                    {"app/config.py": limiter, "app/rate_limit.py": pool})
    assert ("cache", "redis") in kinds(result)
    same = change(git_repo, {"app/config.py": config, "app/cache.py": pool}, {"app/metrics.py": pool}, name="same")
    assert ("cache", "redis") not in kinds(same)


def test_a_compose_statsd_service_is_observability_not_a_team_service(git_repo, private_cache) -> None:
    # mozilla/treeherder 307abe8: a statsd client publishing ingestion stats, and a compose `statsd/statsd` service
    compose = "services:\n  web:\n    build: .\n"
    with_statsd = compose + "  statsd:\n    image: statsd/statsd:v0.10.2\n    ports:\n      - '8125:8125/udp'\n"
    stats = "from statsd import StatsClient\nstats = StatsClient('statsd', 8125)\n"
    result = change(git_repo, {"docker-compose.yml": compose},
                    {"docker-compose.yml": with_statsd, "app/stats.py": stats})
    assert ("observability", "statsd") in kinds(result)
    assert not any(f.kind == "service" for f in result.new_infrastructure)
    graphite = change(git_repo, {"docker-compose.yml": compose},
                      {"docker-compose.yml": compose + "  graphite:\n    image: graphiteapp/graphite-statsd\n"}, name="graphite")
    assert ("observability", "statsd") in kinds(graphite)
    assert not any(f.kind == "service" for f in graphite.new_infrastructure)


def test_a_redis_client_opened_from_a_url_is_a_cache_client(git_repo, private_cache) -> None:
    # CERT-Polska/mwdb-core 3be33c6: Redis.from_url(redis_uri); FastAPI-boilerplate: ConnectionPool.from_url
    one = "from redis import Redis\n\ndef client(url):\n    return Redis.from_url(url)\n"
    fresh = change(git_repo, {}, {"app/state.py": one})
    assert ("cache", "redis") in kinds(fresh)
    located = {f.name: f for f in fresh.new_infrastructure}["redis"]
    assert any(loc.path == "app/state.py" and loc.line == 4 for loc in located.evidence)
    pools = "import redis.asyncio as redis\npool = redis.ConnectionPool.from_url('redis://cache:6379/0')\n"
    second = change(git_repo, {"app/cache.py": pools},
                    {"app/cache.py": pools + "sessions = redis.ConnectionPool.from_url('redis://sessions:6379/1')\n"},
                    name="second")
    assert ("cache", "redis") in kinds(second)
    moved = change(git_repo, {"app/cache.py": pools}, {"app/cache.py": None, "app/pool.py": pools}, name="moved")
    assert ("cache", "redis") not in kinds(moved)


def test_bigquery_through_jx_bigquery_is_a_new_database(git_repo, private_cache) -> None:
    # mozilla/treeherder d05b42c: jobs extracted to BigQuery through jx_bigquery
    extract = "from jx_bigquery import bigquery\n\ndef extract(config):\n    return bigquery.Dataset(config.destination)\n"
    result = change(git_repo, {}, {"app/extract/jobs.py": extract, "requirements.txt": "SQLAlchemy==2.0.20\njx-bigquery==3.9\n"})
    assert ("database", "bigquery") in kinds(result)
    again = change(git_repo, {"app/extract/jobs.py": extract},
                   {"app/extract/alerts.py": extract.replace("jobs", "alerts")}, name="again")
    assert ("database", "bigquery") not in kinds(again)


def test_typedconfig_and_environ_config_attributes_are_config_keys(git_repo, private_cache) -> None:
    # CERT-Polska/mwdb-core 3be33c6: `enable_prometheus_metrics = key(...)` in the typedconfig MWDBConfig
    config = """\
        from typedconfig import Config, key, section

        @section("mwdb")
        class MWDBConfig(Config):
            postgres_uri = key(cast=str, required=True)
            enable_json_logger = key(cast=bool, required=False, default=False)
        """
    added = config + "    enable_prometheus_metrics = key(cast=bool, required=False, default=False)\n"
    result = change(git_repo, {"app/config.py": config}, {"app/config.py": added})
    assert config_keys(result) == "config keys: MWDB_ENABLE_PROMETHEUS_METRICS"
    environ_config = """\
        import environ

        @environ.config(prefix="APP")
        class AppConfig:
            url = environ.var()
            debug = environ.bool_var(default=False)
            helper = object()
        """
    second = change(git_repo, {}, {"app/conf.py": environ_config}, name="second")
    assert config_keys(second) == "config keys: APP_DEBUG, APP_URL"


def test_config_files_in_a_new_subpackage_do_not_make_it_a_service(git_repo, private_cache) -> None:
    # mozilla/treeherder d05b42c: treeherder/extract/ (a Django app) with JSON extract definitions
    extract = {"app/extract/__init__.py": "", "app/extract/jobs.py": "def extract():\n    return 1\n",
               "app/extract/extract_jobs.json": '{"destination": {"table": "jobs"}, "batch": 1000}\n'}
    result = change(git_repo, {}, extract)
    assert not any(f.kind == "service" for f in result.new_infrastructure)
    standalone = {"extractor/__init__.py": "", "extractor/main.py": "def main():\n    return 1\n",
                  "extractor/settings.json": '{"destination": {"table": "jobs"}, "batch": 1000}\n'}
    second = change(git_repo, {}, standalone, name="second")
    assert ("service", "extractor") in kinds(second)


def test_a_ci_script_reading_tokens_brings_no_config_keys(git_repo, private_cache) -> None:
    # DefectDojo/django-DefectDojo e0d1eb3: .github/pr-reminder.py reads GH_TOKEN and SLACK_TOKEN for a workflow
    reminder = "import os\nGH_TOKEN = os.getenv('GH_TOKEN')\nSLACK_TOKEN = os.getenv('SLACK_TOKEN')\n"
    workflow = "on: schedule\njobs:\n  remind:\n    services:\n      redis:\n        image: redis\n"
    result = change(git_repo, {}, {".github/pr-reminder.py": reminder, ".github/workflows/remind.yml": workflow})
    assert kinds(result) == set()
    product = change(git_repo, {}, {"app/notify.py": reminder}, name="product")
    assert config_keys(product) == "config keys: GH_TOKEN, SLACK_TOKEN"


POETRY_LOCK = """\
    # This file is automatically @generated by Poetry 2.2.1 and should not be changed by hand.

    [[package]]
    name = "flagsmith-common"
    version = "3.6.1"
    optional = false
    groups = ["main"]

    [package.dependencies]
    opentelemetry-sdk = ">=1.40"

    [[package]]
    name = "opentelemetry-api"
    version = "1.40.0"
    optional = false
    groups = ["{group}"]

    [metadata]
    lock-version = "2.1"
    """


def test_a_library_the_lock_file_installs_and_only_tests_import_is_new_in_production(git_repo, private_cache) -> None:
    # Flagsmith/flagsmith 71968be: flagsmith-common 3.6.1 brings and starts OpenTelemetry (only poetry.lock
    # changes); the conftest imports opentelemetry.trace to start it before pyfakefs
    conftest = "import opentelemetry.trace  # noqa: F401\n"
    result = change(git_repo, {}, {"poetry.lock": POETRY_LOCK.replace("{group}", "main"), "tests/conftest.py": conftest})
    found = next(f for f in result.new_infrastructure if f.kind == "observability")
    assert (found.name, found.test_only) == ("opentelemetry", False)
    assert {loc.path for loc in found.evidence} == {"poetry.lock", "tests/conftest.py"}
    dev_only = change(git_repo, {}, {"poetry.lock": POETRY_LOCK.replace("{group}", "dev"), "tests/conftest.py": conftest},
                      name="dev")
    assert [(f.kind, f.test_only) for f in dev_only.new_infrastructure] == [("observability", True)]
    lock_alone = change(git_repo, {}, {"poetry.lock": POETRY_LOCK.replace("{group}", "main")}, name="alone")
    assert not any(f.kind == "observability" for f in lock_alone.new_infrastructure)


def test_a_django_project_in_a_new_folder_is_a_new_deployable_and_a_moved_one_is_not(git_repo, private_cache) -> None:
    # doccano/doccano 2ae62d5: a Django project (manage.py, app/wsgi.py) in doccano/app beside the Tornado server
    manage = ("import os\nfrom django.core.management import execute_from_command_line\n"
              "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site.settings')\nexecute_from_command_line()\n")
    wsgi = "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n"
    project = {"app/web/manage.py": manage, "app/web/site/__init__.py": "", "app/web/site/wsgi.py": wsgi,
               "app/web/site/urls.py": "urlpatterns = []\n"}
    result = change(git_repo, {}, project)
    assert ("service", "app/web") in kinds(result)
    assert config_keys(result) == ""  # DJANGO_SETTINGS_MODULE is Django's plumbing, not a key an operator sets
    moved = change(git_repo, {"app/wsgi.py": wsgi}, {"app/wsgi.py": None, "app/config/wsgi.py": wsgi}, name="moved")
    assert not any(f.kind == "service" for f in moved.new_infrastructure)


def test_an_import_under_a_namespace_package_names_no_made_up_distribution(git_repo, private_cache) -> None:
    # ethyca/fides 39d23e1: a Cloud SQL connector imported from google.cloud.sql.connector, declared as
    # cloud-sql-python-connector; `google` alone is no distribution and was reported as a new one
    base = {"requirements.txt": "sqlalchemy==2.0.0\n", "app/db.py": "import sqlalchemy\n"}
    connector = ("from google.cloud.sql.connector import Connector\nfrom google.oauth2 import service_account\n"
                 "import sqlalchemy\n")
    result = change(git_repo, base, {"requirements.txt": "sqlalchemy==2.0.0\ncloud-sql-python-connector==1.2\n",
                                     "app/cloudsql.py": connector})
    assert "cloud-sql-python-connector" in result.new_dependencies
    assert "google-auth" in result.new_dependencies  # google.oauth2 is mapped: imported, so new
    assert "google" not in result.new_dependencies
    undeclared = change(git_repo, base, {"app/vision.py": "from google.cloud.exotic_thing import Client\n"}, name="undeclared")
    assert undeclared.new_dependencies == ()


def test_a_configparser_option_read_through_an_imported_parser_is_a_config_key(git_repo, private_cache) -> None:
    # opencve/opencve 03ba5bc: `CELERY_LOCK_URL = config.get("core", "celery_lock_url", fallback=...)` in
    # settings.py, with `config = configparser.ConfigParser()` made in opencve/configuration.py
    configuration = "import configparser\nconfig = configparser.ConfigParser()\nconfig.read('/etc/app.cfg')\n"
    settings = """\
        from app.configuration import config

        class Config(object):
            SECRET_KEY = config.get("core", "secret_key")
            DEBUG = config.getboolean("core", "debug", fallback=False)
        """
    added = textwrap.dedent(settings) + '    CELERY_LOCK_URL = config.get(\n        "core", "celery_lock_url", fallback="redis://127.0.0.1:6379/2"\n    )\n'
    base = {"app/configuration.py": configuration, "app/settings.py": settings}
    result = change(git_repo, base, {"app/settings.py": added})
    assert config_keys(result) == "config keys: CORE.CELERY_LOCK_URL"
    # a parser made in the same file is one whatever method reads it
    local = "import configparser\nparser = configparser.RawConfigParser()\nTOKEN = parser.get('auth', 'token')\n"
    second = change(git_repo, {}, {"app/auth.py": local}, name="second")
    assert config_keys(second) == "config keys: AUTH.TOKEN"


def test_a_dict_get_with_a_string_default_reads_no_config_key(git_repo, private_cache) -> None:
    # dict.get(key, default) has the shape of ConfigParser.get(section, option): only a receiver the file
    # shows to be a parser counts
    views = "def mode(options):\n    return options.get('mode', 'production'), options.get('theme', 'dark')\n"
    result = change(git_repo, {}, {"app/modes.py": views})
    assert config_keys(result) == ""


def test_sample_datasets_under_a_data_folder_are_not_config_files(git_repo, private_cache) -> None:
    # ethyca/fides 39d23e1: data/dataset/google_cloud_sql_mysql_example_test_dataset.yml, a sample dataset
    dataset = "dataset:\n  - fides_key: example_test_dataset\n    collections:\n      - name: customer\n"
    result = change(git_repo, {}, {"data/dataset/google_cloud_sql_mysql_example_test_dataset.yml": dataset,
                                   "app/datasets/samples.yaml": dataset})
    assert not any(f.kind == "config" for f in result.new_infrastructure)
    config = change(git_repo, {}, {"app/config/logging.yaml": "version: 1\nroot:\n  level: INFO\n"}, name="config")
    assert ("config", "app/config/logging.yaml") in kinds(config)
