"""TypeScript/JavaScript, C#, Java, Kotlin and Go: parsing, coverage, module graphs, and one change per ecosystem.

Each ecosystem gets a small git repository built here, whose feature branch
adds infrastructure and dependencies the way real changes do; the analysis
must name both, and nothing the base already had.
"""

from __future__ import annotations

import json

import pytest

from archreview.analysis.perfile import analyse_file
from archreview.analysis.run import analyze
from archreview.facts import treesitter
from archreview.report import jsondoc, terminal
from archreview.sources.files import language_of


def facts(path: str, source: str):
    return analyse_file(path, language_of(path), source.encode())


def cc(f) -> dict[str, int]:
    return {fn.name: fn.cc for fn in f.functions}


# --- parsing ---------------------------------------------------------------------------------


def test_typescript_imports_functions_and_complexity() -> None:
    f = facts("src/orders/service.ts", '''import type { Order } from "./model";
import { Injectable } from "@nestjs/common";
import * as fs from "node:fs";
const legacy = require("./legacy");

@Injectable()
export class OrderService {
  total(order: Order, discount?: number): number {
    if (!order.lines.length || order.cancelled) {
      return 0;
    }
    const sum = order.lines.reduce((a, l) => a + (l.price ?? 0), 0);
    return discount ? sum * (1 - discount) : sum;
  }
}

export async function load(id: string) {
  const { render } = await import("./render");
  try {
    return render(fs.readFileSync(id, "utf8"));
  } catch (e) {
  }
}
''')
    assert f.error is None
    assert [(i.module, i.type_checking, i.local) for i in f.imports] == [
        ("./model", True, False), ("@nestjs/common", False, False), ("node:fs", False, False),
        ("./legacy", False, False), ("./render", False, True)]
    # if, ||, ternary; `??` belongs to the arrow function; `discount?:` is an optional parameter, not a decision
    assert cc(f) == {"OrderService.total": 4, "(anonymous)": 2, "load": 2}
    assert f.classes[0].name == "OrderService" and f.classes[0].decorators == ("Injectable",)



# Complexity as lizard counts it (bench/lizard_check.py compares the two on real repositories); each count
# below is lizard 1.24.3's on the same snippet.
LIZARD_CONVENTIONS = [
    pytest.param("src/A.cs", """class A
{
    int? F(string? s, int? n)
    {
        var x = s?.Length;
        n ??= 0;
        return x ?? n;
    }

    void G()
    {
#if DEBUG && TRACE
        Log();
#elif RELEASE
        Skip();
#endif
    }

    string H(string a)
    {
        return $"{a ?? "none"} {(a.Length > 2 ? "long" : "short")}";
    }

    int K(int a)
    {
        int Twice(int b) { return b > 0 ? b * 2 : 0; }
        return a > 0 ? Twice(a) : 0;
    }
}
""", {"A.F": 4, "A.G": 3, "A.H": 1, "A.K": 3, "A.Twice": 2},
                 id="csharp: nullable types are not decisions, ?. and ??= are; #if/#elif count (their condition is one "
                    "token); nothing inside an interpolated string; a local function also counts in its method"),
    pytest.param("src/A.java", """class A {
    List<?> f(boolean a, Map<String, ? extends B> m) {
        return a ? x : y;
    }
}
""", {"A.f": 2}, id="java: the ? of a wildcard is not a decision"),
    pytest.param("src/load.ts", """function load(id: string, retries = 3, { force = false, cache }: Options = {}) {
  const [first, second = 0] = parts(id);
  let size = first ?? second;
  size ||= 1;
  size &&= size + 1;
  return `${id}:${retries > 0 ? size : 0}`;
}
""", {"load": 8}, id="typescript: default values (parameters, destructuring) and ??= ||= &&= are decisions; "
                     "nothing inside a template's ${...}"),
    pytest.param("src/pick.ts", """function pick(req: Req, body: Body) {
  const auth = (req.auth as string) || req.cookie;
  const o = { color: (body.color as Color) || 'red', 'k': (req.a || req.b) };
  const p = { ...(body.c ? { d: 1 } : {}) };
  const list = [...(body.e ? [1] : [])];
  o[0] = (req.f || req.g);
  return auth ?? list;
}
""", {"pick": 5}, id="typescript: lizard reads past a value opening with a parenthesis after `name =`, `key:` or an "
                    "object's `...` (the decisions inside and the token after it), not after a string key, in an "
                    "array or after `o[0] =`"),
    pytest.param("src/Status.kt", """fun toStatus(status: String, items: List<Item>): Int {
    items.forEach { item ->
        if (item.done && item.late) {
            println(item)
        }
    }
    items.filter { it.done || it.late }.forEach(::println)
    val first = items.firstOrNull() ?: return 0
    return when (status) {
        "a", "b" -> 1
        "c" -> 2
        else -> if (first.late) 3 else 4
    }
}
""", {"toStatus": 6}, id="kotlin: a when's arms but one; a lambda with parameters is a function of its own (its "
                          "decisions are not the enclosing function's), one without is not"),
    pytest.param("src/load.js", """function load(id, retries = 3, { force = false } = {}) {
  return `${retries > 0 ? id : force}`;
}
""", {"load": 4}, id="javascript: default values"),
    pytest.param("src/settle.ts", """function settle(p: Promise<number>) {
  const o = { catch: 1 };
  p.then(f).catch(g);
  catchError(p);
  const s = "catch";
  // catch it
  try { f(); } catch (e) { g(e); }
  return o.catch;
}
""", {"settle": 5}, id="typescript: a property named catch is a decision to lizard (a key, `.catch(`, a read), "
                       "and the catch clause; not a longer name, a string or a comment holding the word"),
]


@pytest.mark.parametrize(("path", "source", "expected"), LIZARD_CONVENTIONS)
def test_complexity_follows_lizards_conventions(path: str, source: str, expected: dict[str, int]) -> None:
    assert cc(facts(path, source)) == expected

def test_csharp_java_kotlin_go_structure() -> None:
    cs = facts("src/Shop.Api/Orders/OrdersController.cs", '''using Microsoft.AspNetCore.Mvc;
using Shop.Domain;

namespace Shop.Api.Orders;

[ApiController]
public class OrdersController : ControllerBase
{
    [HttpGet("{id}")]
    public async Task<IActionResult> Get(int id)
    {
        var order = await _orders.FindAsync(id) ?? throw new NotFoundException();
        return order.Paid && !order.Shipped ? Ok(order) : NotFound();
    }
}
''')
    assert cs.namespace == "Shop.Api.Orders"
    assert [i.module for i in cs.imports] == ["Microsoft.AspNetCore.Mvc", "Shop.Domain"]
    assert cc(cs) == {"OrdersController.Get": 4}  # ??, &&, ?
    assert cs.classes[0].bases == ("ControllerBase",) and cs.classes[0].decorators == ("ApiController",)

    jv = facts("src/main/java/com/shop/orders/OrderService.java", '''package com.shop.orders;

import com.shop.payments.PaymentClient;
import java.util.List;

@Service
public class OrderService {
    public int total(List<Line> lines) {
        int sum = 0;
        for (Line l : lines) {
            if (l.price() > 0 && !l.free()) sum += l.price();
        }
        return sum;
    }
}
''')
    assert jv.namespace == "com.shop.orders" and cc(jv) == {"OrderService.total": 4}

    kt = facts("src/main/kotlin/com/shop/Pricing.kt", '''package com.shop

import com.shop.model.Line

class Pricing {
    fun price(line: Line?): Int {
        val base = line?.price ?: 0
        return when {
            base > 100 -> base - 10
            else -> base
        }
    }
}
''')
    assert kt.namespace == "com.shop" and cc(kt) == {"Pricing.price": 3}  # the elvis operator; a `when`'s arms but one

    go = facts("internal/orders/store.go", '''package orders

import (
	"database/sql"
	"fmt"
)

type Store struct{ db *sql.DB }

func (s *Store) Find(id int) (*Order, error) {
	if id <= 0 || s.db == nil {
		return nil, fmt.Errorf("bad id %d", id)
	}
	switch id {
	case 1:
		return &Order{}, nil
	}
	return nil, nil
}
''')
    assert go.namespace == "orders" and [i.module for i in go.imports] == ["database/sql", "fmt"]
    assert cc(go) == {"Store.Find": 4}


@pytest.mark.parametrize("path, language, source", [
    ("src/users.ts", "typescript", 'export const find = () => users.createQueryBuilder("u").leftJoin("u.roles", "r")'
     '.where("u.id = :id").andWhere("r.name = :n").orderBy("u.name").skip(1).take(10).cache(true).getMany();\n'),
    ("src/Users.kt", "kotlin", 'fun find() = users.query("u").join("r").where("id").and("n").order("name").skip(1)'
     '.take(10).cache(true).list()\n'),
], ids=["typescript", "kotlin"])
def test_captures_come_in_source_order_the_outer_of_a_chain_first(path: str, language: str, source: str) -> None:
    """py-tree-sitter gathers captures in a set (their order varies between processes, py-tree-sitter #450):
    the calls of one chain all start at one byte, and come outer first whatever that order was."""
    from archreview.analysis.perfile import CODE_LANGUAGES

    spec, data = CODE_LANGUAGES[language].SPEC, source.encode()
    grammar = treesitter.grammar_of(language, path)
    calls = treesitter.captures(grammar, spec, treesitter.parse(grammar, data), data)["call"]
    assert len(calls) >= 9 and len({c.start_byte for c in calls}) == 1
    assert [c.end_byte for c in calls] == sorted((c.end_byte for c in calls), reverse=True)


def test_a_file_that_does_not_parse_is_one_error_with_partial_facts() -> None:
    f = facts("src/broken.ts", 'import { a } from "./a";\nexport function f( {\n  return 1;\n')
    assert f.error and "does not parse as typescript" in f.error and "line 2" in f.error
    assert [i.module for i in f.imports] == ["./a"]


def test_a_missing_grammar_is_one_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(treesitter.GRAMMARS, "go", ("tree_sitter_go_not_installed", "language"))
    treesitter._language.cache_clear()
    treesitter._parser.cache_clear()
    try:
        f = facts("main.go", "package main\n")
    finally:
        treesitter._language.cache_clear()
        treesitter._parser.cache_clear()
    assert f.error == "no tree-sitter grammar for go: install tree-sitter-go-not-installed"
    assert f.language == "go" and f.lines == 1


# --- coverage ---------------------------------------------------------------------------------


def test_languages_not_analysed_are_declared_and_never_read_as_clean(git_repo, private_cache) -> None:
    repo = git_repo([{"app.py": "import json\n", "web/app.ts": 'import x from "./x";\n', "lib/tasks.rb": "puts 1\n",
                      "native/Cargo.toml": "[dependencies]\nserde = '1'\n"}],
                    branches={"feature": [{"lib/more.rb": "puts 2\n", "native/Cargo.toml": "[dependencies]\nserde = '1'\ntokio = '1'\n"}]})
    a = analyze(repo.path, "main", "feature")
    doc = jsondoc.document(a)
    assert doc["files"]["languages"]["python"] == {"files": 1, "analysed": True}
    assert doc["files"]["languages"]["typescript"] == {"files": 1, "analysed": True}
    assert doc["files"]["languages"]["ruby"] == {"files": 2, "analysed": False}
    assert doc["files"]["manifests_not_read"] == [{"path": "native/Cargo.toml", "ecosystem": "Rust (Cargo)"}]
    text = terminal.text(a)
    assert "not analysed: ruby (2 files)" in text
    assert "new dependencies: none among what was read (not analysed: ruby (2 files), native/Cargo.toml (Rust (Cargo)))" in text


# --- module graphs ------------------------------------------------------------------------------


def test_module_graphs_per_language(git_repo, private_cache) -> None:
    repo = git_repo([{
        "tsconfig.json": '{\n  // paths as a Nest/Next app declares them\n  "compilerOptions": {"baseUrl": ".", "paths": {"@app/*": ["src/app/*"]},},\n}\n',
        "package.json": '{"name": "web", "workspaces": ["packages/*"]}',
        "packages/ui/package.json": '{"name": "@acme/ui", "exports": {".": "./src/index.ts"}}',
        "packages/ui/src/index.ts": 'export const Button = 1;\n',
        "src/app/orders.ts": 'import { Button } from "@acme/ui";\nimport { pay } from "@app/payments";\nexport const o = 1;\n',
        "src/app/payments.ts": 'import { o } from "./orders.js";\nimport lodash from "lodash/fp";\nimport path from "node:path";\nexport const pay = 1;\n',
        "go.mod": "module github.com/acme/shop\n\ngo 1.22\n",
        "internal/orders/orders.go": 'package orders\n\nimport "github.com/acme/shop/internal/billing"\n\nvar X = billing.Y\n',
        "internal/billing/billing.go": 'package billing\n\nimport (\n\t"fmt"\n\t"github.com/google/uuid"\n)\n\nvar Y = fmt.Sprint(uuid.New())\n',
        "src/main/java/com/shop/a/A.java": "package com.shop.a;\n\nimport com.shop.b.B;\nimport org.slf4j.Logger;\n\npublic class A { B b; }\n",
        "src/main/java/com/shop/b/B.java": "package com.shop.b;\n\nimport com.shop.a.A;\nimport java.util.List;\n\npublic class B { A a; }\n",
        "src/Shop.Api/Controller.cs": "using Shop.Domain;\nusing Newtonsoft.Json;\nusing System.Text;\n\nnamespace Shop.Api;\n\npublic class Controller { }\n",
        "src/Shop.Domain/Order.cs": "namespace Shop.Domain;\n\npublic class Order { }\n",
    }])
    a = analyze(repo.path)
    mods = {m.path: m for m in a.modules}
    def imports(path):
        return [(i.target, i.category) for i in mods[path].imports]
    assert imports("src/app/orders.ts") == [("packages.ui.src", "internal"), ("src.app.payments", "internal")]
    assert imports("src/app/payments.ts") == [("src.app.orders", "internal"), ("lodash", "third_party"), ("path", "stdlib")]
    assert imports("internal/orders/orders.go") == [("internal.billing", "internal")]
    assert imports("internal/billing/billing.go") == [("fmt", "stdlib"), ("github.com/google/uuid", "third_party")]
    assert imports("src/main/java/com/shop/a/A.java") == [("com.shop.b.B", "internal"), ("org.slf4j.Logger", "third_party")]
    assert imports("src/Shop.Api/Controller.cs") == [("Shop.Domain", "internal"), ("Newtonsoft.Json", "third_party"),
                                                   ("System.Text", "stdlib")]
    assert {m.language for m in a.modules} == {"typescript", "go", "java", "csharp"}
    assert set(map(tuple, a.graph.cycles)) == {("com.shop.a.A", "com.shop.b.B", "com.shop.a.A"),
                                               ("src.app.orders", "src.app.payments", "src.app.orders")}


# --- one change per ecosystem ---------------------------------------------------------------------


def change(git_repo, base: dict, head: dict):
    repo = git_repo([base], branches={"feature": [head]})
    a = analyze(repo.path, "main", "feature")
    doc = json.loads(json.dumps(jsondoc.document(a)))
    return {(n["kind"], n["name"]): [f"{e['path']}:{e['line']}" for e in n["evidence"]] for n in doc["new_infrastructure"]}, \
        doc["new_dependencies"], doc


def test_npm_change_brings_a_queue_a_broker_and_their_packages(git_repo, private_cache) -> None:
    infra, deps, _ = change(git_repo, {
        "package.json": '{\n  "name": "shop",\n  "dependencies": {\n    "express": "^4.19.2",\n    "@prisma/client": "^5.0.0"\n  },\n  "devDependencies": {\n    "jest": "^29.0.0"\n  }\n}\n',
        "src/db.ts": 'import { PrismaClient } from "@prisma/client";\n\nexport const prisma = new PrismaClient();\n',
        "src/app.ts": 'import express from "express";\nimport { prisma } from "./db";\n\nexport const app = express();\n',
    }, {
        "package.json": '{\n  "name": "shop",\n  "dependencies": {\n    "express": "^4.19.2",\n    "@prisma/client": "^5.1.0",\n    "bullmq": "^5.4.0",\n    "ioredis": "^5.3.2",\n    "kafkajs": "^2.2.4"\n  },\n  "devDependencies": {\n    "jest": "^29.0.0",\n    "@types/ioredis": "^5.0.0"\n  }\n}\n',
        "src/jobs/queue.ts": 'import { Queue } from "bullmq";\nimport IORedis from "ioredis";\n\nconst connection = new IORedis(process.env.REDIS_URL ?? "redis://localhost:6379");\nexport const emails = new Queue("emails", { connection });\n',
        "src/events/producer.ts": 'import { Kafka } from "kafkajs";\n\nconst kafka = new Kafka({ clientId: "shop", brokers: [process.env.KAFKA_BROKER!] });\nexport const producer = kafka.producer();\n',
        "src/reporting/db.ts": 'import { PrismaClient } from "@prisma/client";\n\nexport const reporting = new PrismaClient({ datasourceUrl: process.env.REPORTING_URL });\n',
    })
    assert infra[("task_queue", "bullmq")][0] == "src/jobs/queue.ts:1"
    assert infra[("message_queue", "kafka")][0] == "src/events/producer.ts:1"
    assert infra[("database", "prisma client")] == ["src/reporting/db.ts:3"]  # a second client is a second data source
    assert ("cache", "redis") not in infra  # redis here is the queue's broker
    assert deps == ["@types/ioredis", "bullmq", "ioredis", "kafkajs"]


def test_nuget_change_brings_masstransit_a_second_dbcontext_and_central_packages(git_repo, private_cache) -> None:
    csproj = '<Project Sdk="Microsoft.NET.Sdk.Web">\n  <ItemGroup>\n    <PackageReference Include="Microsoft.EntityFrameworkCore" />\n{}  </ItemGroup>\n  <ItemGroup>\n    <ProjectReference Include="..\\Shop.Domain\\Shop.Domain.csproj" />\n  </ItemGroup>\n</Project>\n'
    infra, deps, _ = change(git_repo, {
        "Directory.Packages.props": '<Project>\n  <ItemGroup>\n    <PackageVersion Include="Microsoft.EntityFrameworkCore" Version="8.0.4" />\n    <PackageVersion Include="Polly" Version="8.3.1" />\n  </ItemGroup>\n</Project>\n',
        "src/Shop.Api/Shop.Api.csproj": csproj.format(""),
        "src/Shop.Api/Data/ShopContext.cs": "using Microsoft.EntityFrameworkCore;\n\nnamespace Shop.Api.Data;\n\npublic class ShopContext : DbContext\n{\n    public ShopContext(DbContextOptions<ShopContext> o) : base(o) { }\n}\n",
    }, {
        "Directory.Packages.props": '<Project>\n  <ItemGroup>\n    <PackageVersion Include="Microsoft.EntityFrameworkCore" Version="8.0.4" />\n    <PackageVersion Include="Polly" Version="8.3.1" />\n    <PackageVersion Include="MassTransit.RabbitMQ" Version="8.2.0" />\n  </ItemGroup>\n</Project>\n',
        "src/Shop.Api/Shop.Api.csproj": csproj.format('    <PackageReference Include="MassTransit.RabbitMQ" />\n'),
        "src/Shop.Api/Data/ReportingContext.cs": "using Microsoft.EntityFrameworkCore;\n\nnamespace Shop.Api.Data;\n\npublic class ReportingContext : DbContext\n{\n    public ReportingContext(DbContextOptions<ReportingContext> o) : base(o) { }\n}\n",
        "src/Shop.Api/Orders/OrderPlacedConsumer.cs": "using MassTransit;\n\nnamespace Shop.Api.Orders;\n\npublic class OrderPlacedConsumer : IConsumer<OrderPlaced>\n{\n    public Task Consume(ConsumeContext<OrderPlaced> context) => Task.CompletedTask;\n}\n",
    })
    assert infra[("database", "dbcontext")] == ["src/Shop.Api/Data/ReportingContext.cs:5"]
    assert infra[("message_queue", "masstransit")] == ["src/Shop.Api/Orders/OrderPlacedConsumer.cs:1",
                                                       "Directory.Packages.props:5", "src/Shop.Api/Shop.Api.csproj:4"]
    assert deps == ["MassTransit.RabbitMQ"]  # Polly is only a central version nobody references


def test_maven_change_brings_kafka_and_scheduling(git_repo, private_cache) -> None:
    pom = '''<project>
  <parent><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-parent</artifactId><version>3.2.5</version></parent>
  <groupId>com.shop</groupId>
  <artifactId>orders</artifactId>
  <dependencyManagement>
    <dependencies>
      <dependency><groupId>org.testcontainers</groupId><artifactId>testcontainers-bom</artifactId><version>1.19.7</version></dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-web</artifactId>
    </dependency>
{}  </dependencies>
</project>
'''
    infra, deps, _ = change(git_repo, {
        "pom.xml": pom.format(""),
        "src/main/java/com/shop/OrdersApplication.java": "package com.shop;\n\n@SpringBootApplication\npublic class OrdersApplication { }\n",
    }, {
        "pom.xml": pom.format("    <dependency>\n      <groupId>org.springframework.kafka</groupId>\n      <artifactId>spring-kafka</artifactId>\n    </dependency>\n"
                              "    <dependency>\n      <groupId>org.testcontainers</groupId>\n      <artifactId>kafka</artifactId>\n      <scope>test</scope>\n    </dependency>\n"),
        "src/main/java/com/shop/OrdersApplication.java": "package com.shop;\n\n@SpringBootApplication\n@EnableScheduling\npublic class OrdersApplication { }\n",
        "src/main/java/com/shop/events/OrderListener.java": "package com.shop.events;\n\nimport org.springframework.kafka.annotation.KafkaListener;\nimport org.springframework.stereotype.Component;\n\n@Component\npublic class OrderListener {\n    @KafkaListener(topics = \"orders\")\n    public void on(String payload) { }\n}\n",
    })
    assert infra[("message_queue", "kafka")] == ["src/main/java/com/shop/events/OrderListener.java:3",
                                                 "src/main/java/com/shop/events/OrderListener.java:8", "pom.xml:16"]
    assert infra[("scheduler", "spring scheduling")] == ["src/main/java/com/shop/OrdersApplication.java:4"]
    assert deps == ["org.springframework.kafka:spring-kafka", "org.testcontainers:kafka"]


def test_gradle_change_through_the_version_catalog(git_repo, private_cache) -> None:
    catalog = '[versions]\nspring-boot = "3.2.5"\n\n[libraries]\nspring-boot-starter-web = {{ module = "org.springframework.boot:spring-boot-starter-web" }}\n{}'
    build = 'plugins {{\n    kotlin("jvm") version "1.9.23"\n}}\n\ndependencies {{\n    implementation(libs.spring.boot.starter.web)\n{}}}\n'
    infra, deps, _ = change(git_repo, {
        "gradle/libs.versions.toml": catalog.format(""),
        "build.gradle.kts": build.format(""),
        "src/main/kotlin/com/shop/Catalog.kt": "package com.shop\n\nclass Catalog\n",
    }, {
        "gradle/libs.versions.toml": catalog.format('resilience4j-spring = { module = "io.github.resilience4j:resilience4j-spring-boot3", version = "2.2.0" }\ncaffeine = "com.github.ben-manes.caffeine:caffeine:3.1.8"\n'),
        "build.gradle.kts": build.format("    implementation(libs.resilience4j.spring)\n    implementation(\"com.github.ben-manes.caffeine:caffeine:3.1.8\")\n    testImplementation(\"io.mockk:mockk:1.13.10\")\n"),
        "src/main/kotlin/com/shop/Catalog.kt": "package com.shop\n\nimport io.github.resilience4j.circuitbreaker.annotation.CircuitBreaker\n\nclass Catalog {\n    @CircuitBreaker(name = \"catalog\")\n    fun fetch(): String = \"\"\n}\n",
    })
    assert infra[("circuit_breaker", "resilience4j")] == ["src/main/kotlin/com/shop/Catalog.kt:3",
                                                          "src/main/kotlin/com/shop/Catalog.kt:6", "build.gradle.kts:7",
                                                          "gradle/libs.versions.toml:6"]
    assert deps == ["com.github.ben-manes.caffeine:caffeine", "io.github.resilience4j:resilience4j-spring-boot3",
                    "io.mockk:mockk"]


def test_go_change_indirect_marker_does_not_hide_a_new_direct_use(git_repo, private_cache) -> None:
    gomod = "module github.com/acme/orders\n\ngo 1.22\n\nrequire (\n\tgorm.io/gorm v1.25.9\n{})\n"
    infra, deps, _ = change(git_repo, {
        "go.mod": gomod.format("\tgithub.com/lib/pq v1.10.9 // indirect\n"),
        "internal/store/store.go": 'package store\n\nimport "gorm.io/gorm"\n\nfunc Open(d gorm.Dialector) (*gorm.DB, error) {\n\treturn gorm.Open(d, &gorm.Config{})\n}\n',
    }, {
        "go.mod": gomod.format("\tgithub.com/IBM/sarama v1.43.1\n\tgithub.com/lib/pq v1.10.9 // indirect\n"),
        "internal/reporting/db.go": 'package reporting\n\nimport (\n\t"database/sql"\n\n\t"github.com/lib/pq"\n\t"gorm.io/gorm"\n)\n\nvar _ = pq.Driver{}\n\nfunc Open(d gorm.Dialector) (*gorm.DB, error) {\n\treturn gorm.Open(d, &gorm.Config{})\n}\n\nfunc Raw(dsn string) (*sql.DB, error) { return sql.Open("postgres", dsn) }\n',
        "internal/events/producer.go": 'package events\n\nimport "github.com/IBM/sarama"\n\nfunc New(brokers []string) (sarama.SyncProducer, error) {\n\treturn sarama.NewSyncProducer(brokers, sarama.NewConfig())\n}\n',
        "cmd/relay/main.go": 'package main\n\nimport "github.com/acme/orders/internal/events"\n\nfunc main() { events.New(nil) }\n',
    })
    assert infra[("service", "cmd")] == ["cmd/relay/main.go:1"]  # a new program of its own
    assert infra[("message_queue", "kafka")] == ["internal/events/producer.go:3", "go.mod:7"]
    assert infra[("database", "gorm.Open")] == ["internal/reporting/db.go:13"]  # a second gorm.Open
    assert infra[("database", "sql.DB")] == ["internal/reporting/db.go:16"]
    assert deps == ["github.com/IBM/sarama", "github.com/lib/pq"]  # pq: indirect before, imported now


# --- checklist: swallowed errors ----------------------------------------------------------------

EMPTY_CATCHES = [
    # (path, source, expected [(line, confidence)])
    ("src/posts/posts.service.ts", "export async function publish(id: string) {\n  try {\n    await provider.post(id);\n  } catch (err) {}\n  return { id };\n}\n", [(4, 0.4)]),
    ("src/Shop.Api/Orders/OrderSync.cs", "namespace Shop.Api.Orders;\n\npublic class OrderSync\n{\n    public async Task Run()\n    {\n        try { await _client.PushAsync(); }\n        catch (Exception)\n        {\n        }\n    }\n}\n", [(8, 0.4)]),
    ("src/Shop.Api/Ui/Fade.cs", "namespace Shop.Api.Ui;\n\npublic class Fade\n{\n    public async Task Run()\n    {\n        try { await Task.Delay(10, token); }\n        catch (TaskCanceledException)\n        {\n        }\n    }\n}\n", [(8, 0.2)]),
    ("src/main/java/com/shop/Sync.java", "package com.shop;\n\npublic class Sync {\n    void run() {\n        try { client.push(); } catch (Exception e) { }\n    }\n}\n", [(5, 0.4)]),
    ("src/main/kotlin/com/shop/Sync.kt", "package com.shop\n\nfun run() {\n    try { client.push() } catch (e: IOException) { }\n}\n", [(4, 0.2)]),
    # a comment is a decision written down; a rollback dropped while the first error is rethrown is cleanup
    ("src/posts/cache.ts", "export function read() {\n  try {\n    return JSON.parse(raw);\n  } catch {\n    // a corrupt entry is a cache miss\n  }\n}\n", []),
    ("src/db/runner.ts", "export async function save() {\n  try {\n    await q.commit();\n  } catch (error) {\n    try {\n      await q.rollback();\n    } catch (rollbackError) {}\n    throw error;\n  }\n}\n", []),
    # a parse with a default and a temp file deleted have nothing to lose; a failed call does
    ("src/posts/prefs.ts", "export async function load(raw: string) {\n  let image = [];\n  try {\n    image = JSON.parse(raw);\n  } catch (err) {}\n"
     "  try {\n    await this.stripe.customers.update(id, body);\n  } catch (err) {}\n  return image;\n}\n", [(8, 0.4)]),
    ("src/Providers/AudioImageProvider.cs", "namespace P;\n\npublic class A\n{\n    public void Save()\n    {\n        try\n        {\n"
     "            _fileSystem.DeleteFile(tempFile);\n        }\n        catch\n        {\n        }\n    }\n}\n", []),
    # libraries served as files (ASP.NET's wwwroot/lib, a static/ folder) are not the project's own code
    ("src/WebApp/wwwroot/lib/jquery/dist/jquery.js", "function f() {\n  try {\n    g();\n  } catch (e) {}\n}\n", []),
    # tests are not production code
    ("src/posts/posts.service.spec.ts", "it('x', async () => {\n  try {\n    await f();\n  } catch (e) {}\n});\n", []),
]


@pytest.mark.parametrize(("path", "source", "expected"), EMPTY_CATCHES)
def test_empty_catch_blocks_are_swallowed_errors(path: str, source: str, expected: list) -> None:
    found = facts(path, source).findings
    assert [(f.line, f.confidence) for f in found] == expected
    assert all(f.item == 3 and f.rule == "except.swallowed" for f in found)
