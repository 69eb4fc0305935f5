"""What a change brings, on the shapes the seventh pair set (bench/infra_pairs_seventh_a.toml, _b.toml) showed missed
or mislabelled; each written AFTER LOOKING at that set (it was held back and scored twice before), as a general rule,
in a git repository built here and analysed base..head the way the CLI does."""

from __future__ import annotations

from textwrap import dedent

from archreview.analysis.perfile import analyse_file
from test_change_shapes import config_keys, kinds
from test_change_shapes_fifth import change

def keys_added(git_repo, path: str, before: str, added: str, name: str = "repo") -> str:
    """The config-keys finding of a change that appends ``added`` to the file at ``path``."""
    return config_keys(change(git_repo, {path: before}, {path: before + added}, name=name))


PEERINGDB_SETTINGS = dedent("""\
    import os

    _DEFAULT_ARG = object()


    def _set_option(name, value, context, envvar_type=None):
        if name in os.environ:
            value = os.environ.get(name)
        context[name] = value


    def set_option(name, value, envvar_type=None):
        return _set_option(name, value, globals(), envvar_type)


    def read_file(path):
        with open(path) as fh:
            return fh.read()


    set_option("MEDIA_ROOT", "/srv/media")
    """)


def test_an_environment_variable_read_through_the_settings_own_helper_is_a_config_key(git_repo, private_cache) -> None:
    # peeringdb 508b877: `set_option("AWS_MEDIA_BUCKET_NAME", "")` in mainsite/settings/__init__.py; set_option hands
    # its `name` to _set_option, which reads os.environ.get(name): each call's upper-case name is a key
    added = 'set_option("AWS_MEDIA_BUCKET_NAME", "")\nset_option("AWS_S3_REGION_NAME", "us-east-1")\n' \
            'MEDIA_URL = read_file("MEDIA_URL")\n'
    found = keys_added(git_repo, "app/settings/__init__.py", PEERINGDB_SETTINGS, added)
    assert found == "config keys: AWS_MEDIA_BUCKET_NAME, AWS_S3_REGION_NAME"
    # a helper that reads a file, not the environment, names no key; nor does a call with a lower-case argument
    other = 'LOGO = read_file("LOGO_PATH")\nset_option("debug", True)\n'
    assert keys_added(git_repo, "app/settings/__init__.py", PEERINGDB_SETTINGS, other, name="other") == ""


CONFIG_LOADER = dedent("""\
    from pathlib import Path

    import toml

    try:
        config = toml.load(str(Path.cwd() / "config.toml"))
    except OSError:
        config = {}
    """)
PROD_BASE = dedent("""\
    from .abstract_base import *

    DEBUG = False
    DATABASES = {"default": {"PASSWORD": config["databases"]["default"]["password"]}}
    RAVEN_CONFIG = {"dsn": config["raven"]["dsn"]}
    """)
PROD_HEAD = dedent("""\
    import sentry_sdk

    from .abstract_base import *

    DEBUG = False
    DATABASES = {"default": {"PASSWORD": config["databases"]["default"]["password"]}}
    sentry_sdk.init(dsn=config["sentry"]["dsn"], environment=config.get("sentry", {}).get("environment"))
    """)


def test_keys_of_a_config_file_the_settings_read_by_literal_key_are_config_keys(git_repo, private_cache) -> None:
    # zds-site 959bfc5: the prod settings read the TOML file's `config["raven"]["dsn"]`, then `config["sentry"]["dsn"]`
    # and `["sentry"]["environment"]`; `config` comes from a star import of the module that toml.load()s it
    base = {"app/settings/__init__.py": "", "app/settings/abstract_base/__init__.py": "from .config import config\n",
            "app/settings/abstract_base/config.py": CONFIG_LOADER, "app/settings/prod.py": PROD_BASE}
    result = change(git_repo, base, {"app/settings/prod.py": PROD_HEAD})
    assert config_keys(result) == "config keys: SENTRY.DSN, SENTRY.ENVIRONMENT"
    # data loaded under a name that does not say configuration is not config; nor is a key the code writes
    data = change(git_repo, base, {"app/views.py": "import json\n\n\ndef index(path):\n"
                                                   "    data = json.load(open(path))\n    config = {}\n"
                                                   "    config['theme'] = data['theme']\n    return config\n"},
                  name="data")
    assert config_keys(data) == ""


MAIN = dedent("""\
    from .config import Config

    config = Config("config.yaml")
    config.load()
    HOST = config["appservice.hostname"]
    """)


def test_dotted_keys_of_a_config_object_and_keys_of_a_loaded_file_are_config_keys(git_repo, private_cache) -> None:
    # mautrix/telegram 2dc04a8: `config["metrics.enabled"]` on its `Config` YAML wrapper (base read other dotted keys)
    config = "class Config(dict):\n    def __init__(self, path):\n        self.path = path\n\n" \
             "    def load(self):\n        pass\n"
    base = {"app/config.py": config, "app/__main__.py": MAIN}
    head = {"app/__main__.py": MAIN + 'if config["metrics.enabled"]:\n    PORT = config["metrics.listen_port"]\n'}
    result = change(git_repo, base, head)
    assert config_keys(result) == "config keys: METRICS.ENABLED, METRICS.LISTEN_PORT"
    # LibreTime 41aeec8: `ConfigObj('/etc/default/locale')` then `config.get('LANG')`
    locale = "from configobj import ConfigObj\n\n\ndef get_locale():\n    config = ConfigObj('/etc/default/locale')\n" \
             "    return config.get('LANG')\n"
    found = change(git_repo, {"app/monitor.py": "import locale\n"}, {"app/monitor.py": locale}, name="locale")
    assert config_keys(found) == "config keys: LANG"


DISCORD_CONFIG = dedent("""\
    bot:
        token: !REQUIRED_ENV 'BOT_TOKEN'

    urls:
        deploy: !ENV 'DEPLOY_URL'
    """)


def test_an_environment_tag_of_a_yaml_config_file_is_a_config_key(git_repo, private_cache) -> None:
    # python-discord/bot 3f5433c: config-default.yml gains a rabbitmq section whose username and password are
    # `!ENV "RABBITMQ_DEFAULT_USER"` / `!ENV "RABBITMQ_DEFAULT_PASS"` (tags the bot registers on yaml.SafeLoader)
    added = '\nrabbitmq:\n    host: "pdrmq"\n    username: !ENV "RABBITMQ_DEFAULT_USER"\n' \
            '    password: !ENV "RABBITMQ_DEFAULT_PASS"\n'
    found = keys_added(git_repo, "config-default.yml", DISCORD_CONFIG, added)
    assert found == "config keys: RABBITMQ_DEFAULT_PASS, RABBITMQ_DEFAULT_USER"
    # a commented-out tag is not read
    assert keys_added(git_repo, "config-default.yml", DISCORD_CONFIG, "#   secret: !ENV 'SECRET'\n", name="quiet") == ""


CHART = {
    "chart/app/Chart.yaml": "apiVersion: v1\nname: app\nversion: 1.0.0\n",
    "chart/app/values.yaml": "image:\n  repository: example/app\n  tag: latest\nreplicaCount: 1\n",
    "chart/app/templates/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n",
}


def test_the_files_of_a_helm_chart_are_not_config_files(git_repo, private_cache) -> None:
    # elastalert2 7c1cff4: a Helm chart chart/elastalert2 (Chart.yaml, values.yaml, templates/) deploying the same
    # service read as eight new config files
    result = change(git_repo, {}, CHART)
    assert not [f for f in result.new_infrastructure if f.kind == "config"]
    # the same yaml files without a Chart.yaml are config
    plain = change(git_repo, {}, {"deploy/values.yaml": CHART["chart/app/values.yaml"]}, name="plain")
    assert ("config", "deploy/values.yaml") in kinds(plain)


def test_a_module_whose_coding_cookie_names_a_codec_not_installed_is_read_as_utf_8(git_repo, private_cache) -> None:
    # mautrix/telegram 2dc04a8: `# -*- coding: future_fstrings -*-` (a codec a package registers on install) made
    # every module unreadable, so the prometheus_client Histograms it adds were never seen
    module = "# -*- coding: future_fstrings -*-\ntry:\n    from prometheus_client import Histogram\n\n" \
             "    EVENT_TIME = Histogram('matrix_event', 'Time spent', ['event_type'])\nexcept ImportError:\n" \
             "    EVENT_TIME = None\n"
    result = change(git_repo, {"app/matrix.py": "# -*- coding: future_fstrings -*-\nimport time\n"},
                    {"app/matrix.py": module})
    assert ("observability", "prometheus") in kinds(result)
    # still a file that does not decode as it says: read for imports and infrastructure only, the error kept
    facts = analyse_file("app/matrix.py", "python", module.encode())
    assert facts.error is not None and "read as UTF-8" in facts.error and facts.functions == ()
    assert [i.module for i in facts.imports] == ["prometheus_client"]


def test_dependencies_under_a_framework_prefix_implicit_relative_imports_and_build_tools(git_repo, private_cache) -> None:
    # courtlistener a05baf7: `from cursor_pagination import CursorPaginator` is django-cursor-pagination, declared
    project = '[project]\nname = "app"\ndependencies = ["django>=5"%s]\n'
    result = change(git_repo, {"pyproject.toml": project % ""},
                    {"pyproject.toml": project % ', "django-cursor-pagination"',
                     "app/sitemaps.py": "from cursor_pagination import CursorPaginator\n"})
    assert result.new_dependencies == ("django-cursor-pagination",)
    # LibreTime a6a64a2: a Python 2 package importing its sibling modules by their bare names (implicit relative
    # imports), and setup.py importing setuptools to build it: only install_requires is new
    setup = "from setuptools import setup\n\nsetup(name='analyzer', packages=['analyzer'], install_requires=['pika'])\n"
    base = {"app/legacy.py": "import os\nprint 'hello'\n"}
    head = {"worker/setup.py": setup, "worker/analyzer/__init__.py": "from server import Server\n",
            "worker/analyzer/server.py": "import pika\nfrom pipeline import Pipeline\n\n\nclass Server:\n"
                                         "    def run(self):\n        print 'listening'\n",
            "worker/analyzer/pipeline.py": "from analyzer_base import Analyzer\n\n\nclass Pipeline:\n    pass\n",
            "worker/analyzer/analyzer_base.py": "class Analyzer:\n    pass\n"}
    found = change(git_repo, base, head, name="py2")
    assert found.new_dependencies == ("pika",)


DOCKERFILE = "FROM python:3.12-slim AS build\nRUN pip wheel -w /wheels .\n\nFROM python:3.12-slim AS runtime\n" \
             "COPY --from=build /wheels /wheels\nRUN pip install /wheels/*\nCMD [\"gunicorn\", \"app.wsgi\"]\n"
PUSH = """\
name: images
on: push
jobs:
  push:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/build-push-action@v4
        with:
          context: .
          target: %s
          push: true
"""


def test_a_dockerfile_stage_a_release_build_pushes_as_its_own_image_is_a_new_container(git_repo, private_cache) -> None:
    # mediacms 817e16a: the Dockerfile's runtime stage becomes `base`, a `full` stage (whisper installed) follows it,
    # and the CI workflow builds and pushes both targets: two production images where there was one
    full = DOCKERFILE.replace(" AS runtime", " AS base") + "\nFROM base AS full\nRUN pip install openai-whisper\n"
    base = {"Dockerfile": DOCKERFILE, ".github/workflows/images.yml": PUSH % "runtime"}
    head = {"Dockerfile": full, ".github/workflows/images.yml": PUSH % "base" + PUSH.split("steps:\n")[1] % "full"}
    result = change(git_repo, base, head)
    assert ("container", "python") in kinds(result)
    # a build stage nothing targets, beside the one image, is no new image
    builder = change(git_repo, base, {"Dockerfile": "FROM python:3.12-slim AS deps\nRUN pip download -d /d .\n\n"
                                                    + DOCKERFILE.replace("--from=build", "--from=deps")}, name="builder")
    assert ("container", "python") not in kinds(builder)
