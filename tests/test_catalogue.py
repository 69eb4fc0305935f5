"""The packaged catalogues load, and a broken entry is refused with its name."""

from __future__ import annotations

import pytest

from archreview.change.catalogue import KINDS, load_catalogue, parse_catalogue
from archreview.facts.distributions import canonical, distribution_of, same_as
from archreview.core.errors import CatalogueError


def test_kinds_are_exactly_the_design_vocabulary() -> None:
    assert KINDS == (
        "message_queue", "task_queue", "pubsub", "event_bus", "event_sourcing", "database",
        "cache", "search", "object_storage", "di_container", "retry", "circuit_breaker",
        "web_framework", "rpc", "scheduler", "observability", "container", "service", "config",
    )  # fmt: skip


def test_packaged_catalogue_loads_and_is_cached() -> None:
    cat = load_catalogue()
    assert cat is load_catalogue()
    assert cat.imports["pika"].kind == "message_queue"
    assert ("database", "sqlalchemy engine") in cat.counted
    assert {e.kind for e in cat.entries} <= set(KINDS)


GOOD = '[[imports]]\nkind = "cache"\nname = "redis"\nmodules = ["redis"]\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[imports]]\nkind = "message_bus"\nname = "x"\nmodules = ["x"]\n', "[[imports]] #1 ('message_bus', 'x'): unknown kind"),
        ('[[imports]]\nkind = "cache"\nname = "x"\n', "[[imports]] #1 ('cache', 'x'): missing field 'modules'"),
        ('[[imports]]\nkind = "cache"\nmodules = ["x"]\n', "missing field 'name'"),
        ('[[images]]\nkind = "cache"\nname = "r"\nimages = ["(redis"]\n', "[[images]] #1 ('cache', 'r'): bad regex '(redis'"),
        ('[[classes]]\nkind = "retry"\nname = "r"\nclass_name = "[a-"\n', "bad regex"),
        ('[[imports]]\nkind = "cache"\nname = "x"\nmodules = ["x"]\ncounted = true\n', "unknown field(s) ['counted']"),
        ('[[calls]]\nkind = "cache"\nname = "x"\ncalls = ["x"]\ncounted = "yes"\n', "'counted' must be a bool"),
        ('[[urls]]\nkind = "cache"\nname = "x"\nschemes = []\n', "'schemes' must be a non-empty list"),
        ('[[widgets]]\nkind = "cache"\n', "unknown section(s) ['widgets']"),
        ("[[imports]\n", "not valid TOML"),
        (GOOD + '[config]\nextensions = ".yml"\n', "[config] 'extensions' must be a list of strings"),
        (GOOD + GOOD.replace("redis", "memcached") + '[[imports]]\nkind = "cach"\nname = "y"\nmodules = ["y"]\n', "[[imports]] #3 ('cach', 'y')"),
    ],
)
def test_invalid_entries_are_refused_naming_the_entry(text: str, message: str) -> None:
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text)
    assert message in str(caught.value)
    assert caught.value.path == "archreview/data/infrastructure.toml"


def test_a_minimal_valid_catalogue_parses() -> None:
    cat = parse_catalogue(GOOD)
    assert cat.imports["redis"].name == "redis" and cat.calls == {} and cat.config.extensions == ()


@pytest.mark.parametrize(
    ("module", "distribution"),
    [
        ("yaml", "pyyaml"),
        ("PIL", "pillow"),
        ("sklearn", "scikit-learn"),
        ("cv2", "opencv-python"),
        ("bs4", "beautifulsoup4"),
        ("jwt", "pyjwt"),
        ("psycopg2", "psycopg2"),
        ("dateutil", "python-dateutil"),
        ("google.cloud.storage", "google-cloud-storage"),
        ("google.cloud.storage.blob", "google-cloud-storage"),
        ("paho.mqtt.client", "paho-mqtt"),
        ("aio_pika", "aio-pika"),
        ("Some_Unknown_Pkg", "some-unknown-pkg"),
    ],
)
def test_distribution_of(module: str, distribution: str) -> None:
    assert distribution_of(module) == distribution


def test_installed_environment_is_the_second_source() -> None:
    # not in the bundled table, installed beside archreview, import name != distribution name
    assert distribution_of("rpds") == "rpds-py"
    assert distribution_of("tlz") == "toolz"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("PyYAML", "pyyaml"), ("zope.interface", "zope-interface"), ("Flask_SQLAlchemy", "flask-sqlalchemy")],
)
def test_canonical(name: str, expected: str) -> None:
    assert canonical(name) == expected


def test_same_as_folds_binary_variants_only() -> None:
    assert same_as("psycopg2-binary") == same_as("psycopg2") == "psycopg2"
    assert same_as("opencv-python-headless") == "opencv-python"
    assert same_as("requests") == "requests"
