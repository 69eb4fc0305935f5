"""One answer to "what is this file for?", shared by infrastructure, the fit test and the detectors."""

from __future__ import annotations

import ast

import pytest

from archreview.change.infra import place
from archreview.core.vocab import ROLES
from archreview.facts.index import FileContext
from archreview.sources.files import skip_reason
from archreview.sources.roles import role_of


@pytest.mark.parametrize(("path", "role"), [
    # tests, as Python, Go, JavaScript and C# projects lay them out
    ("tests/test_orders.py", "test"), ("app/tests/helpers.py", "test"), ("src/shop/test/fixtures.py", "test"),
    ("conftest.py", "test"), ("app/tests/conftest.py", "test"), ("app/test_views.py", "test"),
    ("app/views_test.py", "test"), ("app/views_tests.py", "test"), ("pkg/server_test.go", "test"),
    ("web/src/cart.test.ts", "test"), ("web/src/cart.spec.js", "test"), ("web/src/__tests__/cart.js", "test"),
    ("src/Shop.Tests/OrderTests.cs", "test"), ("django/testing/utils.py", "test"),
    ("web/src/app.e2e-spec.ts", "test"), ("src/test/java/shop/OrderTest.java", "test"), ("Shop/OrderTests.cs", "test"),
    ("app/src/androidTest/java/ShopTest.kt", "test"), ("web/__mocks__/api.js", "test"), ("pkg/testdata/in.go", "test"),
    ("src/Shop.UnitTests/Orders.cs", "test"), ("web/e2e/checkout.ts", "test"),
    ("tests/migrations/0001_initial.py", "test"),  # Django's own test suite: a test, not a migration to judge
    # test modules at the repository root or beside the code: unittest's and Django's discovery names, plural too
    ("tests_e2e.py", "test"), ("test_smoke.py", "test"), ("smoke_test.py", "test"), ("tests_api.py", "test"),
    ("smoke_tests.py", "test"), ("tests.py", "test"), ("shop/orders/tests.py", "test"), ("shop/tests_views.py", "test"),
    # migrations
    ("app/migrations/0001_initial.py", "migration"), ("shop/orders/migrations/0007_drop_total.py", "migration"),
    ("alembic/versions/1a2b3c_add_index.py", "migration"), ("db/alembic_main/versions/ab12_drop.py", "migration"),
    ("migrations/versions/0002_drop.py", "migration"), ("lnbits/core/migrations.py", "migration"),
    # scripts
    ("scripts/backfill.py", "script"), ("bin/release.py", "script"), ("manage.py", "script"),
    ("setup.py", "script"), ("noxfile.py", "script"), ("tools/fabfile.py", "script"),
    (".github/pr-reminder.py", "script"), (".gitlab/ci/check.py", "script"), (".circleci/config.yml", "script"),
    # generated and vendored, whatever folder they sit in
    ("api/user_pb2.py", "generated"), ("api/user_pb2_grpc.py", "generated"), ("static/app.min.js", "generated"),
    ("tests/proto/user_pb2.py", "generated"), ("vendor/lib/x.py", "vendored"),
    ("web/node_modules/left-pad/index.js", "vendored"), ("src/_vendor/requests/api.py", "vendored"),
    ("lib/python3.11/site-packages/six.py", "vendored"),
    # docs
    ("docs/conf.py", "docs"), ("doc/examples/tests/test_x.py", "docs"),
    # production, including names that only look like the others
    ("app/views.py", "production"), ("app/testing_utils.py", "production"), ("app/contest.py", "production"),
    ("app/latest.py", "production"), ("app/attest.py", "production"), ("shop/migration.py", "production"),
    ("app/versions/v1.py", "production"), ("app/script.py", "production"), ("app/services/tasks.py", "production"),
    ("app/__main__.py", "production"), ("environment/settings.py", "production"), ("src/Shop/Latest.cs", "production"),
    ("src/shop/Contest.java", "production"), ("web/src/spec.ts", "production"), ("app/testsuite.py", "production"),
    ("app/contests.py", "production"), ("app/latests_x.py", "production"),
    # a bare test.py is Django's `manage.py test` command or a settings module (placed by the checklist)
    ("django/core/management/commands/test.py", "production"),
])
def test_role_of(path: str, role: str) -> None:
    assert role_of(path) == role
    assert role in ROLES


@pytest.mark.parametrize("path", ["tests/test_orders.py", "app/views_test.py", "conftest.py", "app/views.py",
                                  "app/migrations/0001_initial.py", "scripts/backfill.py", "docs/conf.py"])
def test_infrastructure_the_fit_test_and_the_detectors_agree(path: str) -> None:
    role = role_of(path)
    ctx = FileContext(path, ast.parse("x = 1\n"), "x = 1\n")
    assert ctx.role == role
    assert ctx.is_test is (role == "test")
    assert (place(path) == "test") is (role == "test")
    assert (place(path) == "docs") is (role == "docs")


@pytest.mark.parametrize("path", ["vendor/lib/x.py", "api/user_pb2.py", "static/app.min.js"])
def test_the_files_a_listing_skips_by_name_are_the_vendored_and_generated_roles(path: str) -> None:
    assert skip_reason(path, 10) == role_of(path)
