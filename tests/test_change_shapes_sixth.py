"""What a change brings, on the shapes the sixth held-back pair set (bench/infra_pairs_sixth_a.toml, _b.toml) showed
missed or mislabelled; each written AFTER LOOKING at that set, as a general rule, in a git repository built here and
analysed base..head the way the CLI does."""

from __future__ import annotations

from test_change_shapes import config_keys, kinds
from test_change_shapes_fifth import change

LOKI = "auth_enabled: false\nserver:\n  http_listen_port: 3100\n"
OTEL = "receivers:\n  otlp:\n    protocols:\n      grpc:\nexporters:\n  otlphttp:\n    endpoint: http://loki:3100/otlp\n"


def test_config_files_of_a_developer_environment_folder_are_not_product_config(git_repo, private_cache) -> None:
    # awx 0eb4655: the docker-compose developer environment under tools/ gains Grafana, Loki and OTel collector
    # configs; the product's own config beside its code is still config
    head = {
        "tools/grafana/datasources/loki_source.yml": "apiVersion: 1\ndatasources:\n  - name: Loki\n    type: loki\n",
        "tools/loki/local-config.yaml": LOKI,
        "tools/otel/otel-collector-config.yaml": OTEL,
        "docker-compose.dev.yml": "services:\n  app:\n    build: .\n",
    }
    result = change(git_repo, {}, head)
    assert not [f for f in result.new_infrastructure if f.kind == "config" and not f.test_only]
    # a deployment under tools/ is the product's (litestar-fullstack: tools/deploy/railway/*.json)
    deploy = change(git_repo, {}, {"tools/deploy/railway/railway.app.json": '{"build": {"builder": "DOCKERFILE"}}\n'},
                    name="deploy")
    assert ("config", "tools/deploy/railway/railway.app.json") in kinds(deploy)
    # the same files in a product folder are config
    product = change(git_repo, {}, {"app/otel/otel-collector-config.yaml": OTEL}, name="product")
    assert ("config", "app/otel/otel-collector-config.yaml") in kinds(product)
    # and code under tools/ is still code: the environment variable it reads is a new key
    code = change(git_repo, {"tools/sync.py": "import os\n"},
                  {"tools/sync.py": "import os\nTOKEN = os.getenv('SYNC_TOKEN')\n"}, name="code")
    assert "SYNC_TOKEN" in config_keys(code)


SETTINGS_BASE = """\
    from pydantic_settings import BaseSettings, SettingsConfigDict


    def build_config(path=()):
        return SettingsConfigDict(env_prefix="APP_" + "_".join(path).upper() + "_", env_file=".env")


    class AppBaseSettings(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="APP_")
    """
EXPERIMENTS = """\
    from pydantic import Field
    from app.settings.base import AppBaseSettings, build_config


    class ExperimentsSettings(AppBaseSettings):
        model_config = build_config(("experiments",))

        warn: bool = Field(default=True)
        worker_logging_enabled: bool = Field(default=False)
    """
TELEMETRY = """\

    class TelemetrySettings(ExperimentsSettings):
        endpoint: str = "https://telemetry.example.com"
    """
DATABASE = """\
    from pydantic_settings import SettingsConfigDict
    from app.settings.base import AppBaseSettings


    class DatabaseSettings(AppBaseSettings):
        model_config = SettingsConfigDict(env_prefix="APP_DB_")

        pool_size: int = 5
    """
ROOT = """\
    from app.settings.base import AppBaseSettings
    from app.settings.models.database import DatabaseSettings
    from app.settings.models.experiments import ExperimentsSettings


    class Settings(AppBaseSettings):
        debug: bool = False
        database: DatabaseSettings = DatabaseSettings()
        experiments: ExperimentsSettings = ExperimentsSettings()
    """


def test_a_new_field_of_a_settings_class_whose_pydantic_base_is_in_another_module_is_a_config_key(
        git_repo, private_cache) -> None:
    # prefect d6a4842: `telemetry_enabled` added to ExperimentsSettings(PrefectBaseSettings), the pydantic-settings
    # base in another module; nested settings classes are fields of the root Settings, each its own subclass
    base = {"app/settings/__init__.py": "", "app/settings/base.py": SETTINGS_BASE,
            "app/settings/models/__init__.py": "", "app/settings/models/experiments.py": EXPERIMENTS,
            "app/settings/models/database.py": DATABASE, "app/settings/models/root.py": ROOT}
    head = {"app/settings/models/experiments.py": EXPERIMENTS + "    telemetry_enabled: bool = Field(default=False)\n",
            "app/settings/models/database.py": DATABASE + "    echo_sql: bool = False\n"}
    result = change(git_repo, base, head)
    # the prefix a helper builds is not known: the field's name; a literal env_prefix is the key's prefix
    assert config_keys(result) == "config keys: APP_DB_ECHO_SQL, TELEMETRY_ENABLED"
    found = next(f for f in result.new_infrastructure if f.kind == "config")
    assert {e.path for e in found.evidence} == {"app/settings/models/experiments.py", "app/settings/models/database.py"}
    # a subclass of that subclass, in a later module, inherits the base's keys rule
    deeper = change(git_repo, base, {"app/settings/models/experiments.py": EXPERIMENTS + TELEMETRY}, name="deeper")
    assert config_keys(deeper) == "config keys: ENDPOINT"
    # fields of a class named like config whose base is no settings class are no keys (a Django AppConfig)
    apps = change(git_repo, {}, {"app/apps.py": "from django.apps import AppConfig\n\n\nclass UsersConfig(AppConfig):\n"
                                                "    name: str = 'users'\n    default_auto_field: str = 'x'\n"},
                  name="apps")
    assert config_keys(apps) == ""


MIDDLEWARE = """\
    from paste.deploy.converters import asbool
    from tg import config

    from app.lib import patches


    def make_app(global_conf, full_stack=True, **app_conf):
        root = app_conf.get('override_root', 'root')
        patches.apply()
        if config.get('zarkov.host'):
            patches.zarkov()
        return root
    """
NEWRELIC = """\
        if asbool(app_conf.get('newrelic')):
            patches.newrelic()
    """


def test_a_key_of_the_ini_file_the_app_newly_reads_is_a_config_key(git_repo, private_cache) -> None:
    # allura c01c95e: `asbool(app_conf.get('newrelic'))` in the PasteDeploy factory `_make_core_app(root, global_conf,
    # **app_conf)`, `# newrelic = true` added to development.ini; keys TurboGears' `config` reads are ini keys too
    ini = "[app:main]\nuse = egg:app\nbase_url = http://localhost:8080\n"
    base = {"app/lib/__init__.py": "", "app/lib/patches.py": "def apply():\n    pass\n", "app/middleware.py": MIDDLEWARE,
            "development.ini": ini}
    head = {"app/middleware.py": MIDDLEWARE.replace("        return root\n", NEWRELIC + "        return root\n"),
            "development.ini": ini + "# newrelic = true\n"}
    result = change(git_repo, base, head)
    assert config_keys(result) == "config keys: NEWRELIC"
    found = next(f for f in result.new_infrastructure if f.name.startswith("config keys"))
    assert [(e.path, e.line) for e in found.evidence] == [("app/middleware.py", 12)]
    tg = change(git_repo, base, {"app/views.py": "from tg import config\n\n\ndef index():\n"
                                                 "    return config.get('site.title', 'Forge')\n"}, name="tg")
    assert config_keys(tg) == "config keys: SITE.TITLE"
    # the same call on a mapping no app is handed is a dict's get, no key
    plain = change(git_repo, base, {"app/views.py": "def index(options, **kw):\n    return kw.get('newrelic')\n"},
                   name="plain")
    assert config_keys(plain) == ""


MONGO_SERIALIZER = """\
    import os
    import ConfigParser
    from pymongo import Connection

    cp = ConfigParser.ConfigParser()
    cp.read("/etc/app/mongodb.conf")
    host = cp.get("connection", "host")
    mongodb = None


    def __connect():
        global mongodb
        mongodb = Connection(host, 27017)['app']


    def serialize(collection):
        try:
            __connect()
        except Exception, e:
            print "cannot reach MongoDB: %s" % e
            raise IOError, "no database"
        print >>sys.stderr, "saved", collection.name()
        return mongodb[collection.name()].save(collection.to_dict())
    """


def test_a_python_2_module_is_read_for_its_imports_and_infrastructure(git_repo, private_cache) -> None:
    # cobbler 627fe7a (2014): modules/serializer_mongodb.py imports pymongo in Python 2 (`except E, e:`, print
    # statements), so the file never parsed and neither MongoDB nor pymongo was seen
    base = {"app/serializer.py": "import os\n\n\ndef save(obj):\n    print 'saving', obj\n    return os.getcwd()\n"}
    result = change(git_repo, base, {"app/modules/serializer_mongodb.py": MONGO_SERIALIZER})
    assert ("database", "mongodb") in kinds(result)
    found = next(f for f in result.new_infrastructure if f.kind == "database")
    assert [(e.path, e.line) for e in found.evidence] == [("app/modules/serializer_mongodb.py", 3)]
    assert result.new_dependencies == ("pymongo",)  # ConfigParser is Python 2's standard library
    assert config_keys(result) == "config keys: CONNECTION.HOST"
    error = next(e for e in result.errors if e.path == "app/modules/serializer_mongodb.py")
    assert "not valid Python 3" in error.message and "read as Python 2" in error.message
    # a file that is no Python at all (a template) is still only an error, nothing read from it
    template = change(git_repo, {}, {"app/{{name}}.py": "import redis\n{% if cache %}\nR = redis.Redis()\n{% endif %}\n"},
                      name="template")
    assert ("cache", "redis") not in kinds(template) and template.new_dependencies == ()


ENTRYPOINT = """\
    #!/usr/bin/env bash
    # Populate config_distro.py from the PGADMIN_CONFIG_* environment variables
    CHECK_EMAIL_DELIVERABILITY="False"
    if [ -n "${PGADMIN_CONFIG_CHECK_EMAIL_DELIVERABILITY}" ]; then
        CHECK_EMAIL_DELIVERABILITY=${PGADMIN_CONFIG_CHECK_EMAIL_DELIVERABILITY}
    fi
    for var in $(env | grep "^PGADMIN_CONFIG_" | cut -d "=" -f 1); do
        echo ${var#PGADMIN_CONFIG_} >> "$HOME/config_distro.py"
    done
    email_config="{'CHECK_EMAIL_DELIVERABILITY': ${CHECK_EMAIL_DELIVERABILITY}}"
    exec gunicorn --bind "${PGADMIN_LISTEN_ADDRESS:-[::]}:${PGADMIN_LISTEN_PORT:-80}" run:app
    """
DELIVERABLE = """\
    GLOBALLY_DELIVERABLE="True"
    if [ -n "${PGADMIN_CONFIG_GLOBALLY_DELIVERABLE}" ]; then
        GLOBALLY_DELIVERABLE=${PGADMIN_CONFIG_GLOBALLY_DELIVERABLE}
    fi
    """


def test_an_environment_variable_a_container_entrypoint_newly_reads_is_a_config_key(git_repo, private_cache) -> None:
    # pgadmin4 ae76ea3: pkg/docker/entrypoint.sh reads PGADMIN_CONFIG_GLOBALLY_DELIVERABLE (and sets its own
    # GLOBALLY_DELIVERABLE from it); the variables the script sets, loops over or the shell has are no keys
    base = {"pkg/docker/entrypoint.sh": ENTRYPOINT}
    head = {"pkg/docker/entrypoint.sh": ENTRYPOINT.replace('    email_config=', DELIVERABLE + '    email_config=')}
    result = change(git_repo, base, head)
    assert config_keys(result) == "config keys: PGADMIN_CONFIG_GLOBALLY_DELIVERABLE"
    first = change(git_repo, {}, {"pkg/docker/entrypoint.sh": ENTRYPOINT}, name="first")
    assert config_keys(first) == ("config keys: PGADMIN_CONFIG_CHECK_EMAIL_DELIVERABILITY, PGADMIN_LISTEN_ADDRESS, "
                                  "PGADMIN_LISTEN_PORT")
    # a variable the image sets itself (a Dockerfile ENV, ihatemoney acb2799's PORT) is the image's own setting
    image = change(git_repo, {**base, "Dockerfile": "FROM python:3.12\nENV PGADMIN_LISTEN_PORT=80\n"},
                   {**head, "Dockerfile": 'FROM python:3.12\nENV PGADMIN_LISTEN_PORT=80 \\\n    PGADMIN_CONFIG_GLOBALLY_DELIVERABLE="True"\n'},
                   name="image")
    assert config_keys(image) == ""
    # another shell script is not the container's entrypoint: the variables it reads are its caller's
    script = change(git_repo, {}, {"pkg/build.sh": ENTRYPOINT}, name="script")
    assert config_keys(script) == ""


PGADMIN_CONFIG = """\
    import os

    SERVER_MODE = True
    CHECK_EMAIL_DELIVERABILITY = False
    ALLOW_SPECIAL_EMAIL_DOMAINS = []

    from app.evaluate_config import evaluate_and_patch_config
    locals().update(evaluate_and_patch_config(locals()))
    """
VALIDATE = """\
    def validate_email(email, email_config=None):
        if email_config is None:
            import config
            email_config = {'CHECK_EMAIL_DELIVERABILITY': config.CHECK_EMAIL_DELIVERABILITY}
    """


def test_a_setting_read_from_a_settings_module_that_loads_overrides_is_a_config_key(git_repo, private_cache) -> None:
    # pgadmin4 ae76ea3: validation_utils reads config.GLOBALLY_DELIVERABLE through `import config`, web/config.py
    # patching itself with the operator's config_local/config_distro (locals().update(...)); the default only
    # came in the next commit, so nothing defines it yet
    base = {"web/config.py": PGADMIN_CONFIG, "web/app/__init__.py": "", "web/app/evaluate_config.py":
            "def evaluate_and_patch_config(config):\n    return config\n", "web/app/utils.py": VALIDATE}
    head = {"web/app/utils.py": VALIDATE + "    email_config['GLOBALLY_DELIVERABLE'] = config.GLOBALLY_DELIVERABLE\n"}
    result = change(git_repo, base, head)
    assert config_keys(result) == "config keys: GLOBALLY_DELIVERABLE"
    # the same read of a settings module that takes nothing from outside is the code's own constant
    plain = {**base, "web/config.py": PGADMIN_CONFIG.replace("    locals().update(evaluate_and_patch_config(locals()))\n", "")}
    assert config_keys(change(git_repo, plain, head, name="plain")) == ""


def test_the_environment_a_build_or_task_file_reads_is_no_product_config_key(git_repo, private_cache) -> None:
    # ckan 7beec0e (2011, Python 2, so read only since the Python 2 reading): fabfile.py prints PIP_DOWNLOAD_CACHE
    # while it deploys; the developer's environment, not a key of the product
    fab = "import os\n\n\ndef deploy():\n    print 'cache: %s' % os.environ.get('PIP_DOWNLOAD_CACHE')\n"
    result = change(git_repo, {"fabfile.py": "def deploy():\n    print 'deploying'\n"}, {"fabfile.py": fab})
    assert config_keys(result) == ""
    app = change(git_repo, {}, {"app/cache.py": "import os\nCACHE = os.environ.get('PIP_DOWNLOAD_CACHE')\n"}, name="app")
    assert config_keys(app) == "config keys: PIP_DOWNLOAD_CACHE"
