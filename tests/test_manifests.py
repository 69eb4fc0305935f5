"""Requirements read from every manifest format, with their lines; never executed."""

from __future__ import annotations

import textwrap

import pytest

from archreview.facts.manifests import LOCKED, is_dev_section, is_manifest, is_python_lock, locked_distributions, requirements_of
from archreview.core.model import Requirement


def names(path: str, text: str) -> list[tuple[str, int, str]]:
    return [(r.name, r.line, r.section) for r in requirements_of(path, textwrap.dedent(text))]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("requirements.txt", True),
        ("requirements-dev.txt", True),
        ("dev-requirements.txt", True),
        ("backend/requirements_test.in", True),
        ("requirements/base.txt", True),
        ("constraints.txt", True),
        ("pyproject.toml", True),
        ("sub/setup.cfg", True),
        ("setup.py", True),
        ("Pipfile", True),
        ("environment.yml", True),
        ("README.txt", False),
        ("notes/requirements.md", False),
        ("app/setup_helpers.py", False),
        ("Pipfile.lock", False),
        ("config.yml", False),
    ],
)
def test_is_manifest(path: str, expected: bool) -> None:
    assert is_manifest(path) is expected


def test_requirements_txt_comments_markers_extras_urls_hashes_and_includes() -> None:
    text = """\
        # the web stack
        Flask[async]>=2.0  # pinned loosely
        PyYAML==6.0.1 ; python_version >= "3.8"

        -r base.txt
        --constraint ../constraints.txt
        -e git+https://github.com/org/proj.git#egg=my_proj
        -e .
        --index-url https://pypi.example/simple
        requests==2.31.0 \\
            --hash=sha256:aaaa \\
            --hash=sha256:bbbb
        https://files.example/pkgs/Some_Pkg-1.2.0-py3-none-any.whl
        mylib @ https://example.org/mylib.zip
        """
    got = requirements_of("app/requirements-dev.txt", textwrap.dedent(text))
    assert [(r.name, r.line, r.section) for r in got] == [
        ("flask", 2, "dev"),
        ("pyyaml", 3, "dev"),
        ("app/base.txt", 5, "-r"),
        ("constraints.txt", 6, "-c"),
        ("my-proj", 7, "dev"),
        ("requests", 10, "dev"),
        ("some-pkg", 13, "dev"),
        ("mylib", 14, "dev"),
    ]
    assert got[1].spec == "==6.0.1"


def test_requirements_dir_section_and_garbage_lines_are_skipped_not_raised() -> None:
    got = names("requirements/test.txt", "pytest\n!!! not a requirement\n<<<\nfreezegun>=1\n")
    assert got == [("pytest", 1, "test"), ("freezegun", 4, "test")]


def test_pyproject_project_extras_groups_poetry_pdm_and_self_reference() -> None:
    text = """\
        [project]
        name = "My_App"
        dependencies = [
            "SQLAlchemy>=2",
            "pika",
        ]

        [project.optional-dependencies]
        redis = ["redis>=5"]
        all = ["my-app[redis]"]

        [dependency-groups]
        test = ["pytest"]

        [tool.poetry.dependencies]
        python = "^3.11"
        celery = {version = "^5", extras = ["redis"]}

        [tool.poetry.group.lint.dependencies]
        ruff = "*"

        [tool.pdm.dev-dependencies]
        docs = ["mkdocs"]
        """
    assert names("pyproject.toml", text) == [
        ("sqlalchemy", 4, "main"),
        ("pika", 5, "main"),
        ("redis", 9, "redis"),
        ("pytest", 13, "test"),
        ("celery", 17, "main"),
        ("ruff", 20, "lint"),
        ("mkdocs", 23, "docs"),
    ]


def test_poetry_dev_dependencies_and_pipfile() -> None:
    pyproject = '[tool.poetry]\nname = "x"\n[tool.poetry.dev-dependencies]\npytest = "^8"\n'
    assert names("pyproject.toml", pyproject) == [("pytest", 4, "dev")]
    pipfile = '[[source]]\nurl = "https://pypi.org/simple"\n[packages]\nDjango = "*"\n[dev-packages]\nblack = "*"\n[requires]\npython_version = "3.11"\n'
    assert names("Pipfile", pipfile) == [("django", 4, "main"), ("black", 6, "dev")]


def test_setup_cfg_install_requires_extras_and_file_include() -> None:
    text = """\
        [metadata]
        name = thing

        [options]
        install_requires =
            tenacity>=8
            # a comment
            redis
        tests_require = pytest

        [options.extras_require]
        kafka = aiokafka
        """
    assert names("pkg/setup.cfg", text) == [
        ("tenacity", 6, "main"),
        ("redis", 8, "main"),
        ("pytest", 9, "test"),
        ("aiokafka", 12, "kafka"),
    ]
    include = "[options]\ninstall_requires = file: requirements.txt\n"
    assert names("pkg/setup.cfg", include) == [("pkg/requirements.txt", 2, "-r")]


def test_setup_py_is_read_statically_literal_lists_only() -> None:
    text = """\
        import os
        from setuptools import setup
        REQUIRES = ["pybreaker", "backoff>=2"]
        os.system("echo never run")
        setup(
            name="x",
            install_requires=REQUIRES,
            tests_require=["pytest"],
            extras_require={"s3": ["boto3"], "computed": [f"{x}" for x in "ab"]},
        )
        """
    assert names("setup.py", text) == [
        ("pybreaker", 3, "main"),
        ("backoff", 3, "main"),
        ("pytest", 8, "test"),
        ("boto3", 9, "s3"),
    ]


def test_setup_py_with_computed_requirements_yields_nothing() -> None:
    assert names("setup.py", "from setuptools import setup\nsetup(install_requires=open('r.txt').read().split())\n") == []


def test_environment_yml_conda_and_pip_sublist() -> None:
    text = """\
        name: env
        channels: [conda-forge]
        dependencies:
          - python=3.11
          - conda-forge::numpy>=1.26
          - pandas
          - pip
          - pip:
              - PyYAML==6
              - -r requirements.txt
        """
    assert names("environment.yml", text) == [
        ("numpy", 5, "main"),
        ("pandas", 6, "main"),
        ("pyyaml", 9, "main"),
        ("requirements.txt", 10, "-r"),
    ]


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("pyproject.toml", "[project\ndependencies = ["),
        ("Pipfile", "[packages\n"),
        ("setup.py", "setup(install_requires=[\n"),
        ("setup.cfg", "no section header\n"),
        ("environment.yml", "dependencies: [unclosed\n"),
    ],
)
def test_malformed_manifests_return_nothing_without_raising(path: str, text: str) -> None:
    assert requirements_of(path, text) == ()


def test_non_manifest_yields_nothing() -> None:
    assert requirements_of("app/models.py", "import pika\n") == ()


def test_names_are_canonical_so_respelling_compares_equal() -> None:
    a = requirements_of("requirements.txt", "PyYAML==5\nzope.interface\n")
    b = requirements_of("requirements.txt", "pyyaml>=6\nzope-interface\n")
    assert [r.name for r in a] == [r.name for r in b] == ["pyyaml", "zope-interface"]
    assert a[0] == Requirement("pyyaml", 1, "==5", "main")


@pytest.mark.parametrize(
    ("section", "dev"),
    [("main", False), ("redis", False), ("docker", False), ("specific", False), ("test-unit", True), ("dev", True), ("test", True), ("lint", True), ("docs", True), ("typing", True)],
)
def test_dev_sections(section: str, dev: bool) -> None:
    assert is_dev_section(section) is dev


def test_python_lock_files_give_what_production_installs() -> None:
    poetry1 = ('[[package]]\nname = "Redis"\nversion = "5.0"\ncategory = "main"\n\n[package.dependencies]\nname = "x"\n\n'
               '[[package]]\nname = "pytest"\nversion = "8.0"\ncategory = "dev"\n\n[metadata]\nname = "not-a-package"\n')
    assert locked_distributions(poetry1) == ((LOCKED, "redis\t2"),)
    poetry2 = '[[package]]\nname = "celery"\ngroups = ["main", "dev"]\n\n[[package]]\nname = "mypy"\ngroups = ["dev"]\n'
    assert locked_distributions(poetry2) == ((LOCKED, "celery\t2"),)
    pdm = '[[package]]\nname = "sentry-sdk"\ngroups = ["default"]\n\n[[package]]\nname = "ruff"\ngroups = ["lint"]\n'
    assert locked_distributions(pdm) == ((LOCKED, "sentry-sdk\t2"),)
    uv = '[[package]]\nname = "pika"\nversion = "1.3"\nsource = { registry = "https://pypi.org/simple" }\n'
    assert locked_distributions(uv) == ((LOCKED, "pika\t2"),)
    assert is_python_lock("api/poetry.lock") and not is_python_lock("yarn.lock")
