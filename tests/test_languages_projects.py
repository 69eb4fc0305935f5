"""A .NET solution of three projects: ``using`` directives mapped to projects through ``ProjectReference``.

Shop.Api references Shop.Application, which references Shop.Domain (so Api
reaches Domain through it); Shop.Infrastructure is referenced by nobody. The
map says which project uses which, whether the .csproj references it, and the
coupling per project; whether a use breaks the architecture is the declared
layers' call.
"""

from __future__ import annotations

import json

from archreview.analysis.run import analyze
from archreview.report import jsondoc

SDK = '<Project Sdk="Microsoft.NET.Sdk{}">\n  <ItemGroup>\n{}  </ItemGroup>\n</Project>\n'


def csproj(*refs: str, web: bool = False) -> str:
    lines = "".join(f'    <ProjectReference Include="..\\{r}\\{r}.csproj" />\n' for r in refs)
    return SDK.format(".Web" if web else "", lines)


SOLUTION = {
    "src/Shop.Domain/Shop.Domain.csproj": csproj(),
    "src/Shop.Domain/Orders/Order.cs": "namespace Shop.Domain.Orders;\n\npublic class Order { }\n",
    "src/Shop.Application/Shop.Application.csproj": csproj("Shop.Domain"),
    "src/Shop.Application/Orders/PlaceOrder.cs": (
        "using Shop.Domain.Orders;\n\nnamespace Shop.Application.Orders;\n\n"
        "public class PlaceOrder { public Order Run() => new Order(); }\n"),
    "src/Shop.Infrastructure/Shop.Infrastructure.csproj": csproj("Shop.Application"),
    "src/Shop.Infrastructure/Email/Mailer.cs": "namespace Shop.Infrastructure.Email;\n\npublic class Mailer { }\n",
    "src/Shop.Api/Shop.Api.csproj": csproj("Shop.Application", web=True),
    "src/Shop.Api/Controllers/OrdersController.cs": (
        "using Shop.Application.Orders;\nusing Shop.Domain.Orders;\nusing Shop.Infrastructure.Email;\n"
        "using Microsoft.AspNetCore.Mvc;\n\nnamespace Shop.Api.Controllers;\n\n"
        "public class OrdersController : ControllerBase { }\n"),
}
LAYERS = '''
[[layers]]
name = "api"
paths = ["src/Shop.Api"]
may_import = ["application", "domain"]

[[layers]]
name = "application"
paths = ["src/Shop.Application"]
may_import = ["domain"]

[[layers]]
name = "infrastructure"
paths = ["src/Shop.Infrastructure"]
may_import = ["application", "domain"]

[[layers]]
name = "domain"
paths = ["src/Shop.Domain"]
'''


def doc_of(git_repo, files: dict) -> dict:
    repo = git_repo([files])
    return json.loads(json.dumps(jsondoc.document(analyze(repo.path))))


def test_usings_map_to_projects_through_project_references(git_repo, private_cache) -> None:
    graph = doc_of(git_repo, SOLUTION)["graph"]
    links = {(p["source"], p["target"]): (p["usings"], p["referenced"]) for p in graph["projects"]}
    assert links == {
        ("Shop.Api", "Shop.Application"): (1, True),
        ("Shop.Api", "Shop.Domain"): (1, True),  # through Shop.Application's reference
        ("Shop.Api", "Shop.Infrastructure"): (1, False),  # a using the .csproj does not back
        ("Shop.Application", "Shop.Domain"): (1, True),
        ("Shop.Infrastructure", "Shop.Application"): (0, True),  # referenced, never used
    }
    coupling = {c["package"]: (c["afferent"], c["efferent"]) for c in graph["project_coupling"]}
    assert coupling == {"Shop.Api": (0, 3), "Shop.Application": (1, 1), "Shop.Domain": (2, 0),
                        "Shop.Infrastructure": (1, 0)}
    assert graph["violations"] == []  # no declared layers: nothing to break


def test_declared_layers_decide_whether_a_use_across_projects_is_a_violation(git_repo, private_cache) -> None:
    graph = doc_of(git_repo, {**SOLUTION, "archreview.toml": LAYERS})["graph"]
    found = [(v["path"], v["line"], v["imported"]) for v in graph["violations"]]
    assert found == [("src/Shop.Api/Controllers/OrdersController.cs", 3, "Shop.Infrastructure.Email")]
    assert graph["violations"][0]["message"].startswith("layer 'api' imports layer 'infrastructure'")


def test_a_solution_without_csproj_files_has_no_project_map(git_repo, private_cache) -> None:
    files = {k: v for k, v in SOLUTION.items() if not k.endswith(".csproj")}
    graph = doc_of(git_repo, files)["graph"]
    assert graph["projects"] == [] and graph["project_coupling"] == []


# --- mixed repositories: what was analysed and what was not -------------------------------------


def test_a_mixed_repository_says_which_languages_were_analysed_and_which_not(git_repo, private_cache) -> None:
    """A Python API, a TypeScript front end and a Ruby script: JSON, client report header and Markdown say it."""
    from archreview.report import markdown
    from archreview.workbook import sections

    repo = git_repo([{"api/app.py": "def get_order(order_id):\n    return order_id\n",
                      "api/models.py": "class Order:\n    pass\n",
                      "web/src/api.ts": "export async function getOrder(id: string) {\n  return id;\n}\n",
                      "scripts/seed.rb": "puts 1\n"}])
    a = analyze(repo.path)
    doc = json.loads(json.dumps(jsondoc.document(a)))
    line = "Languages analysed: Python (2 files), TypeScript (1 file); not analysed: ruby (1 file)."
    assert doc["files"]["code_analysed"] == {"python": 2, "typescript": 1}
    assert doc["files"]["code_not_analysed"] == {"ruby": 1}
    assert doc["files"]["coverage"] == line
    assert {k: v["functions"] for k, v in doc["by_language"].items()} == {"python": 1, "typescript": 1, "ruby": 0}
    html = sections.header(sections.start(str(repo.path), live=False)).data
    assert f'<p class="ar-coverage">{line}</p>' in html
    assert markdown.escape(line) in markdown.comment(a)


# --- JVM builds: an application module is a new deployable component ---------------------------------


def test_a_new_gradle_application_module_is_a_new_service_and_a_library_is_not(git_repo, private_cache) -> None:
    base = {"settings.gradle.kts": 'include(":app")\n',
            "app/build.gradle.kts": 'plugins {\n    kotlin("jvm") version "1.9.21"\n    application\n}\n\napplication {\n'
                                    '    mainClass.set("shop.AppKt")\n}\n',
            "app/src/main/kotlin/shop/App.kt": "package shop\n\nfun main() = println(\"app\")\n"}
    head = {"settings.gradle.kts": 'include(":app", ":worker", ":money")\n',
            "worker/build.gradle.kts": 'plugins {\n    kotlin("jvm") version "1.9.21"\n    id("io.ktor.plugin") version "2.3.8"\n}\n',
            "worker/src/main/kotlin/shop/worker/Worker.kt": "package shop.worker\n\nfun main() = println(\"worker\")\n",
            "money/build.gradle.kts": 'plugins {\n    kotlin("jvm") version "1.9.21"\n    `java-library`\n}\n',
            "money/src/main/kotlin/shop/money/Money.kt": "package shop.money\n\ndata class Money(val cents: Long)\n"}
    repo = git_repo([base], branches={"feature": [head]})
    a = analyze(repo.path, "main", "feature")
    services = {n.name: [f"{e.path}:{e.line}" for e in n.evidence] for n in a.new_infrastructure if n.kind == "service"}
    assert services == {"worker": ["worker/build.gradle.kts:1"]}
