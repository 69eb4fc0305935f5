"""What a change brings, on the shapes the fifth held-back pair set (bench/infra_pairs_fifth.toml) showed
missed or mislabelled; each written after looking at that set, as a general rule, in a git repository
built here and analysed base..head the way the CLI does."""

from __future__ import annotations

import textwrap

from archreview.analysis.run import analyze
from test_change_shapes import config_keys, kinds

APP = {
    "app/__init__.py": "",
    "app/views.py": "def index(request):\n    return request\n",
}


def change(git_repo, base: dict, head: dict, name: str = "repo"):
    """Analyse the change from a repository at ``base`` to the same plus/minus ``head`` (a smaller ``APP`` than
    test_change_shapes': no SQLAlchemy, so nothing shows a database kind unless a test's files do)."""
    files = {k: textwrap.dedent(v) if isinstance(v, str) else v for k, v in head.items()}
    repo = git_repo([{**APP, **{k: textwrap.dedent(v) for k, v in base.items()}}, files], name=name)
    return analyze(repo.path, base=repo.commits[0], head=repo.commits[1], use_cache=False, jobs=1)


GRPC_CLIENT = """\
    import grpc
    from grpc import aio


    def channel(target: str, secure: bool):
        return grpc.secure_channel(target, grpc.ssl_channel_credentials()) if secure else grpc.insecure_channel(target)
    """


def test_the_first_grpc_import_in_a_namespace_folder_of_a_package_is_new_rpc(git_repo, private_cache) -> None:
    # tracecat 2d85300: tracecat_registry/core/grpc.py (core/ has no __init__.py) imports grpc; grpcio was declared
    # in base and imported nowhere. The module's own stem hid the library: it is tracecat_registry.core.grpc, not a
    # top-level `grpc` a script's sibling could import
    base = {"registry/pyproject.toml": '[project]\nname = "registry"\ndependencies = ["grpcio>=1.60"]\n',
            "registry/registry/__init__.py": "", "registry/registry/core/http.py": "import json\n"}
    result = change(git_repo, base, {"registry/registry/core/grpc.py": GRPC_CLIENT})
    assert ("rpc", "grpc") in kinds(result)
    found = next(f for f in result.new_infrastructure if f.kind == "rpc")
    assert {e.path for e in found.evidence} == {"registry/registry/core/grpc.py"}
    assert result.new_dependencies == ()  # declared before: a first use is new infrastructure, not a new dependency
    q4 = result.fit_test[3]
    assert q4.verdict == "drifts" and any("grpc" in e.text for e in q4.evidence)
    # a script's sibling module outside any package still shadows the name it has
    script = change(git_repo, {"tools/grpc.py": "PORT = 1\n", "tools/run.py": "print(1)\n"},
                    {"tools/run.py": "import grpc\nprint(grpc.PORT)\n"}, name="script")
    assert ("rpc", "grpc") not in kinds(script)



def test_standard_modules_of_either_python_major_are_not_new_dependencies(git_repo, private_cache) -> None:
    # privacyidea 47e59e7: an Apache auth script importing Python 2's `ConfigParser` (read as the PyPI backport
    # `configparser`); modules later Python 3 releases removed are standard library too
    script = """\
        try:
            import ConfigParser as configparser
        except ImportError:
            import configparser
        import Queue
        import imp
        import requests
        """
    result = change(git_repo, {}, {"authmodules/apache2/auth.py": script})
    assert result.new_dependencies == ("requests",)


SQLITE = "{'ENGINE': 'django.db.backends.sqlite3', 'NAME': os.path.join(BASE_DIR, 'db.sqlite3')}"
DJANGO_SETTINGS = """\
    import os
    from .env_reader import env

    BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    INSTALLED_APPS = ["django.contrib.auth"]
    DATABASES = {
        'default': DEFAULT,
    }
    """
ENV_READER = "import environ\nenv = environ.Env()\n"


def test_a_django_database_engine_changing_product_through_a_url_is_new_database(git_repo, private_cache) -> None:
    # HackSoftware/Django-Styleguide-Example 0c70075: DATABASES from sqlite3 to env.db("DATABASE_URL",
    # default="postgres:///styleguide_example") with psycopg2: the URL's scheme is the engine Django opens
    base = {"config/__init__.py": "", "config/settings.py": DJANGO_SETTINGS.replace("DEFAULT", SQLITE),
            "config/env_reader.py": ENV_READER,
            "requirements.txt": "Django==3.0.7\ndjango-environ==0.4.5\n"}
    postgres = DJANGO_SETTINGS.replace("DEFAULT", "env.db('DATABASE_URL', default='postgres:///styleguide_example')")
    result = change(git_repo, base, {"config/settings.py": postgres,
                                     "requirements.txt": "Django==3.0.7\ndjango-environ==0.4.5\npsycopg2==2.8.5\n"})
    # one database: the DATABASE_URL setting name is that engine's setting, not a second finding ("database url")
    assert [f.name for f in result.new_infrastructure if f.kind == "database"] == ["postgresql"]
    found = next(f for f in result.new_infrastructure if (f.kind, f.name) == ("database", "postgresql"))
    assert {e.path for e in found.evidence} == {"config/settings.py", "requirements.txt"}
    assert config_keys(result) == "config keys: DATABASE_URL"
    q4 = result.fit_test[3]
    assert q4.verdict == "drifts" and any("postgresql" in e.text for e in q4.evidence)
    # dj-database-url's config(default=...) and parse(...) name the engine the same way
    dj = "import dj_database_url\nDATABASES = {'default': dj_database_url.parse('mysql://app@db/app')}\n"
    other = change(git_repo, base, {"config/settings.py": dj}, name="dj")
    assert ("database", "mysql") in kinds(other)
    # the same engine with other settings is not new
    same = DJANGO_SETTINGS.replace("DEFAULT", SQLITE.replace("sqlite3", "postgresql"))
    url = "import dj_database_url\nDATABASES = {'default': dj_database_url.config(default='postgresql://db/app', conn_max_age=600)}\n"
    kept = change(git_repo, {**base, "config/settings.py": same}, {"config/settings.py": url}, name="kept")
    assert not any(f.kind == "database" for f in kept.new_infrastructure)
    # a URL that is only a setting's value, with no code opening a database, stays a name
    named = change(git_repo, {}, {"app/links.py": "DOCS = 'postgres://example/db'\n"}, name="named")
    assert not any(f.kind == "database" for f in named.new_infrastructure)


def test_a_folder_renamed_with_its_dockerfile_and_resources_is_a_move_not_a_service(git_repo, private_cache) -> None:
    # orchest 3ea8a80: orchest/webserver renamed orchest/orchest-webserver (Dockerfile, uwsgi.ini, JSON resources
    # and the Flask app moved with it) while its create_app starts an APScheduler job: the scheduler is new, the
    # folder is not a service and its resources are not new config
    app = "from flask import Flask\n\ndef create_app():\n    return Flask(__name__)\n"
    scheduled = ("from flask import Flask\nfrom apscheduler.schedulers.background import BackgroundScheduler\n\n"
                 "def create_app():\n    app = Flask(__name__)\n    scheduler = BackgroundScheduler()\n"
                 "    scheduler.add_job(ping, 'interval', minutes=15)\n    scheduler.start()\n    return app\n\n"
                 "def ping():\n    pass\n")
    folder = {"Dockerfile": "FROM python:3.8\nCOPY app /app\nCMD [\"uwsgi\", \"--ini\", \"/app/uwsgi.ini\"]\n",
              "app/uwsgi.ini": "[uwsgi]\nmodule = main:app\n", "app/main.py": "from app import create_app\napp = create_app()\n",
              "app/app/__init__.py": app, "app/app/res/template.json": '{"cells": []}\n',
              "app/app/res/kernels/python/kernel.json": '{"argv": ["python"]}\n'}
    base = {"orchest/ctl/main.py": "import docker\n", **{f"orchest/webserver/{k}": v for k, v in folder.items()}}
    moved = {f"orchest/orchest-webserver/{k}": v for k, v in folder.items()}
    moved["orchest/orchest-webserver/app/app/__init__.py"] = scheduled
    result = change(git_repo, base, {**{f"orchest/webserver/{k}": None for k in folder}, **moved})
    assert kinds(result) == {("scheduler", "apscheduler")}
    # the same folder copied beside the old one, still there, is a second deployable
    copied = change(git_repo, base, moved, name="copied")
    assert ("service", "orchest/orchest-webserver") in kinds(copied)


FLASK_APP = """\
    import uuid
    from flask import Flask


    def create_app():
        app = Flask(__name__)
        app.config.from_pyfile("/etc/app/pi.cfg")
        pi_uuid = uuid.UUID(app.config.get("PI_UUID", ""))
        app.config["PI_UUID"] = str(pi_uuid)
        return app
    """
FLASK_CONFIG = """\
    class Config(object):
        SECRET_KEY = "dev"
        PI_UUID = "8e4272a9-9037-40df-8aa3-976e4a04b5a9"
    """


def test_flask_config_keys_read_through_app_config_and_a_config_helper_are_config(git_repo, private_cache) -> None:
    # privacyidea 9001f32: the pi.cfg key PI_UUID renamed PI_NODE_UUID, read with app.config.get(...) and a
    # project helper get_app_config_value(...): a key operators now set that no code read before
    framework = "from flask import current_app\n\n\ndef get_app_config_value(key, default=None):\n    return current_app.config.get(key, default)\n"
    base = {"app/main.py": FLASK_APP, "app/config.py": FLASK_CONFIG, "app/framework.py": framework}
    node = "from app.framework import get_app_config_value\n\n\ndef local_node():\n    return get_app_config_value('PI_NODE_UUID')\n"
    result = change(git_repo, base, {"app/main.py": FLASK_APP.replace("PI_UUID", "PI_NODE_UUID"),
                                     "app/config.py": FLASK_CONFIG.replace("PI_UUID", "PI_NODE_UUID"),
                                     "app/nodes.py": node})
    assert config_keys(result) == "config keys: PI_NODE_UUID"
    found = next(f for f in result.new_infrastructure if f.kind == "config")
    assert {e.path for e in found.evidence} == {"app/main.py", "app/nodes.py", "app/config.py"}
    # current_app.config["X"] reads X; a key the config class already defined is one operators had
    view = ("from flask import current_app\n\n\ndef view():\n"
            "    return current_app.config['MAX_ITEMS'], current_app.config.get('SECRET_KEY')\n")
    reads = change(git_repo, base, {"app/views.py": view}, name="reads")
    assert config_keys(reads) == "config keys: MAX_ITEMS"
    # a key the code only writes (app.config["X"] = ...), or sets and reads back in one file, is the code's own
    # (Suyash906/Tracking 89601bd: app.config['UPLOAD_FOLDER'] = UPLOAD_FOLDER, read back by the upload view)
    upload = ("from flask import Flask\napp = Flask(__name__)\napp.config['UPLOAD_FOLDER'] = '/srv/uploads'\n\n\n"
              "def upload():\n    return app.config['UPLOAD_FOLDER']\n")
    writes = change(git_repo, base, {"app/setup.py": "def setup(app):\n    app.config['EXTRA'] = 1\n",
                                     "app/server.py": upload}, name="writes")
    assert config_keys(writes) == ""


DJANGO_PULP = """\
    from dynaconf import DjangoDynaconf

    INSTALLED_APPS = ["pulpcore.app"]
    IMPORT_WORKERS_PERCENT = 100
    MEDIA_ROOT = "/var/lib/pulp/media"
    """
KAFKA_SETTINGS = """\
    KAFKA_BOOTSTRAP_SERVERS = None  # kafka integration disabled by default
    KAFKA_TASKS_STATUS_TOPIC = "pulpcore.tasking.status"
    KAFKA_SECURITY_PROTOCOL = "plaintext"
    """


def test_django_and_dynaconf_settings_newly_defined_and_read_are_config_keys(git_repo, private_cache) -> None:
    # pulpcore 1c9ca42: KAFKA_* constants added to the Django/Dynaconf settings.py, read with settings.get(...) by
    # a confluent-kafka producer module (and settings.X by another): each is a key an operator sets
    producer = """\
        from confluent_kafka import Producer
        from django.conf import settings

        _bootstrap_servers = settings.get("KAFKA_BOOTSTRAP_SERVERS")
        _security_protocol = settings.get("KAFKA_SECURITY_PROTOCOL")


        def producer():
            return Producer({"bootstrap.servers": _bootstrap_servers, "security.protocol": _security_protocol})
        """
    tasks = "from django.conf import settings\n\n\ndef topic():\n    return settings.KAFKA_TASKS_STATUS_TOPIC, settings.MEDIA_ROOT\n"
    base = {"pulpcore/app/settings.py": DJANGO_PULP, "pulpcore/tasking/tasks.py": "def run():\n    pass\n"}
    result = change(git_repo, base, {"pulpcore/app/settings.py": textwrap.dedent(DJANGO_PULP) + textwrap.dedent(KAFKA_SETTINGS),
                                     "pulpcore/tasking/kafka.py": producer, "pulpcore/tasking/tasks.py": tasks})
    assert config_keys(result) == ("config keys: KAFKA_BOOTSTRAP_SERVERS, KAFKA_SECURITY_PROTOCOL, "
                                   "KAFKA_TASKS_STATUS_TOPIC")
    assert ("message_queue", "kafka") in kinds(result)
    # a constant added to the settings that no code reads, and a framework setting read as settings.X, are not keys
    unread = change(git_repo, base, {"pulpcore/app/settings.py": DJANGO_PULP + "    EXTRA_FLAG = True\n",
                                     "pulpcore/tasking/tasks.py": "from django.conf import settings\n\n\n"
                                     "def run():\n    return settings.DEBUG, getattr(settings, 'MEDIA_ROOT', '')\n"},
                    name="unread")
    assert config_keys(unread) == ""
    # a plain Django settings module (no Dynaconf): a constant of literals read as settings.X is the code's own
    # (championship-management 41dc038: a RABBITMQ dict moved out of the module that opens the connection)
    plain = {"proj/settings.py": "INSTALLED_APPS = []\n", "proj/queue.py": "import pika\n"}
    dict_setting = change(git_repo, plain, {"proj/settings.py": "INSTALLED_APPS = []\nRABBITMQ = {'HOST': 'rabbitmq'}\n",
                                            "proj/queue.py": "import pika\nfrom django.conf import settings\n"
                                            "HOST = settings.RABBITMQ['HOST']\n"}, name="plain")
    assert config_keys(dict_setting) == ""
    # an environment variable replacing a constant the settings defined is still a new key
    env = change(git_repo, base, {"pulpcore/app/settings.py": DJANGO_PULP.replace(
        '"/var/lib/pulp/media"', 'os.environ.get("MEDIA_ROOT", "/var/lib/pulp/media")')}, name="env")
    assert config_keys(env) == "config keys: MEDIA_ROOT"


CONTROL = """\
    Source: python-app
    Maintainer: A <a@example.org>

    Package: python-app
    Architecture: all
    Depends: ${misc:Depends}, python-flask
    Description: the server

    Package: app-pam
    Architecture: all
    Depends: ${misc:Depends}, libpam-python
    Description: the PAM module
    """
APACHE_PACKAGE = """
    Package: app-apache-client
    Architecture: all
    Depends: ${misc:Depends}, python-requests, libapache2-mod-wsgi
    Description: the Apache auth module
    """


def test_one_more_debian_binary_package_is_a_new_deployable(git_repo, private_cache) -> None:
    # privacyidea 47e59e7: an Apache WSGI auth script shipped as its own Debian package (privacyidea-apache-client)
    # beside the server and PAM packages the project already built
    auth = "import requests\n\n\ndef check_password(environ, user, password):\n    return requests.post(URL, timeout=5).ok\n"
    base = {"deploy/debian/control": CONTROL}
    result = change(git_repo, base, {"deploy/debian/control": textwrap.dedent(CONTROL) + textwrap.dedent(APACHE_PACKAGE),
                                     "authmodules/apache2/__init__.py": "", "authmodules/apache2/auth.py": auth})
    assert ("service", "app-apache-client") in kinds(result)
    # the first packaging of the product, and a package renamed, ship nothing new
    first = change(git_repo, {}, {"debian/control": CONTROL}, name="first")
    assert not any(f.kind == "service" for f in first.new_infrastructure)
    renamed = change(git_repo, base, {"deploy/debian/control": CONTROL.replace("app-pam", "app-pam-module")}, name="renamed")
    assert not any(f.kind == "service" for f in renamed.new_infrastructure)
