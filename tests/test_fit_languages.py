"""The fit test in TypeScript, C#, Java, Kotlin and Go: each language's own conventions, on small git repos.

Every repository follows its language's style guide (camelCase functions and
variables in TypeScript, Java, Kotlin and Go, whose exported names are
PascalCase; PascalCase methods in C#; PascalCase types everywhere). A change
written the same way fits question 5; one written in another language's style
drifts, with the name and its line as evidence.
"""

from __future__ import annotations

import pytest

from archreview.analysis.run import analyze
from archreview.facts.codestyle import name_case, naming
from archreview.core.model import ClassInfo, FunctionMetric

TS_BASE = {
    "package.json": '{"name": "shop", "dependencies": {"pino": "^9.0.0", "axios": "^1.7.0"}}\n',
    "src/log.ts": 'import pino from "pino";\n\nexport const logger = pino();\n',
    "src/orders/orderService.ts": '''import { logger } from "../log";
import axios from "axios";

export class OrderService {
  async placeOrder(customerId: string, itemCount: number): Promise<string> {
    const orderId = `${customerId}-${itemCount}`;
    logger.info({ orderId }, "placed");
    await axios.post("/audit", { orderId });
    return orderId;
  }

  cancelOrder(orderId: string): void {
    logger.info({ orderId }, "cancelled");
  }
}
''',
    "src/orders/pricing.ts": '''export function totalPrice(unitPrice: number, quantity: number): number {
  const grossPrice = unitPrice * quantity;
  return grossPrice;
}

export function applyDiscount(totalAmount: number, discountRate: number): number {
  return totalAmount * (1 - discountRate);
}
''',
}
TS_GOOD = {"src/orders/shipping.ts": '''import { logger } from "../log";

export function shippingCost(weightKg: number, zoneCode: string): number {
  const baseCost = weightKg * 2;
  logger.info({ zoneCode }, "shipping");
  return baseCost;
}
'''}
TS_BAD = {"src/orders/shipping.ts": '''import got from "got";

export function shipping_cost(weight_kg: number, zone_code: string): number {
  const base_cost = weight_kg * 2;
  console.log("shipping", zone_code);
  return base_cost;
}

export function send_label(label_id: string): Promise<unknown> {
  return got.post("https://labels.example.com", { json: { label_id } });
}
'''}

CS_BASE = {
    "src/Shop/Orders/OrderService.cs": '''using Microsoft.Extensions.Logging;

namespace Shop.Orders;

public class OrderService
{
    private readonly ILogger<OrderService> _logger;

    public OrderService(ILogger<OrderService> logger) { _logger = logger; }

    public string PlaceOrder(string customerId, int itemCount)
    {
        var orderId = customerId + itemCount;
        _logger.LogInformation("placed {OrderId}", orderId);
        return orderId;
    }

    public void CancelOrder(string orderId) { _logger.LogInformation("cancelled {OrderId}", orderId); }
}
''',
    "src/Shop/Orders/Pricing.cs": '''namespace Shop.Orders;

public static class Pricing
{
    public static decimal TotalPrice(decimal unitPrice, int quantity) { var grossPrice = unitPrice * quantity; return grossPrice; }

    public static decimal ApplyDiscount(decimal totalAmount, decimal discountRate) => totalAmount * (1 - discountRate);
}
''',
}
CS_GOOD = {"src/Shop/Orders/Shipping.cs": '''namespace Shop.Orders;

public class Shipping
{
    public decimal ShippingCost(decimal weightKg, string zoneCode) { var baseCost = weightKg * 2; return baseCost; }

    public string LabelFor(string zoneCode) => zoneCode;
}
'''}
CS_BAD = {"src/Shop/Orders/Shipping.cs": '''namespace Shop.Orders;

public class Shipping
{
    public decimal shippingCost(decimal weightKg, string zoneCode) { var baseCost = weightKg * 2; return baseCost; }

    public string labelFor(string zoneCode) { System.Console.WriteLine(zoneCode); return zoneCode; }
}
'''}

JAVA_BASE = {
    "src/main/java/com/shop/orders/OrderService.java": '''package com.shop.orders;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public class OrderService {
    private static final Logger LOG = LoggerFactory.getLogger(OrderService.class);
    private final String regionCode = "eu";

    public String placeOrder(String customerId, int itemCount) {
        String orderId = customerId + itemCount;
        LOG.info("placed {}", orderId);
        return orderId;
    }

    public void cancelOrder(String orderId) { LOG.info("cancelled {}", orderId); }
}
''',
    "src/main/java/com/shop/orders/Pricing.java": '''package com.shop.orders;

public class Pricing {
    public double totalPrice(double unitPrice, int quantity) { double grossPrice = unitPrice * quantity; return grossPrice; }

    public double applyDiscount(double totalAmount, double discountRate) { return totalAmount * (1 - discountRate); }
}
''',
}
JAVA_GOOD = {"src/main/java/com/shop/orders/Shipping.java": '''package com.shop.orders;

public class Shipping {
    public double shippingCost(double weightKg, String zoneCode) { double baseCost = weightKg * 2; return baseCost; }
}
'''}
JAVA_BAD = {"src/main/java/com/shop/orders/Shipping.java": '''package com.shop.orders;

public class Shipping {
    public double ShippingCost(double weight_kg, String zone_code) { double base_cost = weight_kg * 2; return base_cost; }

    public String Label_For(String zone_code) { System.out.println(zone_code); return zone_code; }
}
'''}

KT_BASE = {
    "src/main/kotlin/com/shop/orders/OrderService.kt": '''package com.shop.orders

import mu.KotlinLogging

private val logger = KotlinLogging.logger {}

class OrderService {
    fun placeOrder(customerId: String, itemCount: Int): String {
        val orderId = customerId + itemCount
        logger.info { "placed $orderId" }
        return orderId
    }

    fun cancelOrder(orderId: String) { logger.info { "cancelled $orderId" } }
}
''',
    "src/main/kotlin/com/shop/orders/Pricing.kt": '''package com.shop.orders

fun totalPrice(unitPrice: Double, quantity: Int): Double {
    val grossPrice = unitPrice * quantity
    return grossPrice
}
''',
}
KT_GOOD = {"src/main/kotlin/com/shop/orders/Shipping.kt": '''package com.shop.orders

class Shipping {
    fun shippingCost(weightKg: Double, zoneCode: String): Double {
        val baseCost = weightKg * 2
        return baseCost
    }
}
'''}
KT_BAD = {"src/main/kotlin/com/shop/orders/Shipping.kt": '''package com.shop.orders

class Shipping {
    fun shipping_cost(weight_kg: Double, zone_code: String): Double {
        val base_cost = weight_kg * 2
        println(zone_code)
        return base_cost
    }
}
'''}

GO_BASE = {
    "go.mod": "module github.com/acme/shop\n\ngo 1.22\n\nrequire go.uber.org/zap v1.27.0\n",
    "internal/orders/service.go": '''package orders

import "go.uber.org/zap"

type Service struct {
	log *zap.Logger
}

func (s *Service) PlaceOrder(customerID string, itemCount int) string {
	orderID := customerID + string(rune(itemCount))
	s.log.Info("placed", zap.String("order", orderID))
	return orderID
}

func (s *Service) cancelOrder(orderID string) {
	s.log.Info("cancelled", zap.String("order", orderID))
}
''',
    "internal/orders/pricing.go": '''package orders

func TotalPrice(unitPrice float64, quantity int) float64 {
	grossPrice := unitPrice * float64(quantity)
	return grossPrice
}

func applyDiscount(totalAmount float64, discountRate float64) float64 {
	return totalAmount * (1 - discountRate)
}
''',
}
GO_GOOD = {"internal/orders/shipping.go": '''package orders

func ShippingCost(weightKg float64, zoneCode string) float64 {
	baseCost := weightKg * 2
	return baseCost
}

func labelFor(zoneCode string) string { return zoneCode }
'''}
GO_BAD = {"internal/orders/shipping.go": '''package orders

import "fmt"

func Shipping_Cost(weight_kg float64, zone_code string) float64 {
	base_cost := weight_kg * 2
	fmt.Println(zone_code)
	return base_cost
}
'''}

CASES = {
    "typescript": (TS_BASE, TS_GOOD, TS_BAD, ("src/orders/shipping.ts", 3, "shipping_cost: snake_case function name")),
    "csharp": (CS_BASE, CS_GOOD, CS_BAD, ("src/Shop/Orders/Shipping.cs", 5, "shippingCost: camelCase method name")),
    "java": (JAVA_BASE, JAVA_GOOD, JAVA_BAD,
             ("src/main/java/com/shop/orders/Shipping.java", 4, "ShippingCost: PascalCase method name")),
    "kotlin": (KT_BASE, KT_GOOD, KT_BAD,
               ("src/main/kotlin/com/shop/orders/Shipping.kt", 4, "shipping_cost: snake_case method name")),
    "go": (GO_BASE, GO_GOOD, GO_BAD, ("internal/orders/shipping.go", 5, "Shipping_Cost: mixed case function name")),
}


def fit_of(git_repo, base: dict, *heads: dict):
    """The fit test of each head against base (one repository, a branch per head)."""
    repo = git_repo([base], branches={f"change{i}": [head] for i, head in enumerate(heads)})
    out = [analyze(repo.path, "main", f"change{i}").fit_test for i in range(len(heads))]
    return out[0] if len(out) == 1 else out


@pytest.mark.parametrize("language", sorted(CASES))
def test_a_change_in_the_languages_style_fits_and_one_in_another_style_drifts(git_repo, private_cache,
                                                                             language: str) -> None:
    base, good, bad, (path, line, text) = CASES[language]
    fits, drifting = fit_of(git_repo, base, good, bad)
    q5 = fits[4]
    assert q5.verdict == "fits", q5
    assert "0 of" in q5.summary and "new names off their language's conventions" in q5.summary
    assert not [e for e in fits[2].evidence if e.path == next(iter(good))], fits[2]  # no print, no second library

    drifts = drifting[4]
    assert drifts.verdict == "drifts", drifts
    found = [e for e in drifts.evidence if e.path == path and e.text.startswith(text)]
    assert found and found[0].line == line, drifts.evidence
    assert "naming conventions" not in drifts.summary or "new names off" in drifts.summary


def test_print_and_a_second_library_in_typescript_are_reported(git_repo, private_cache) -> None:
    q3 = fit_of(git_repo, TS_BASE, TS_BAD)[2]
    assert q3.verdict == "drifts"
    texts = {(e.path, e.line, e.text) for e in q3.evidence}
    assert ("src/orders/shipping.ts", 1, "imports got for HTTP client; the codebase uses axios") in texts
    assert ("src/orders/shipping.ts", 5, "prints instead of using the codebase's logger (pino)") in texts


def test_csharp_methods_are_pascal_case(git_repo, private_cache) -> None:
    cs = fit_of(git_repo, CS_BASE, CS_BAD)[4]
    texts = [e.text for e in cs.evidence]
    assert any(t.startswith("shippingCost: camelCase method name (2 such names); C# methods are PascalCase") for t in texts)


def test_go_exported_names_are_pascal_case(git_repo, private_cache) -> None:
    go = fit_of(git_repo, GO_BASE, GO_GOOD)[4]  # exported ShippingCost and unexported labelFor are both Go
    assert go.verdict == "fits" and "0 of 6 new names" in go.summary, go


def test_a_mixed_change_holds_each_language_to_its_own_code(git_repo, private_cache) -> None:
    """snake_case Python beside camelCase TypeScript: neither is off, since each is compared with its own."""
    base = dict(TS_BASE)
    base["api/orders.py"] = ('def place_order(customer_id, item_count):\n    """Place."""\n    order_id = customer_id\n'
                             '    order_id += str(item_count)\n    order_id = order_id.strip()\n    return order_id\n\n\n'
                             'def cancel_order(order_id):\n    """Cancel."""\n    return order_id\n')
    head = dict(TS_GOOD)
    head["api/shipping.py"] = 'def shipping_cost(weight_kg, zone_code):\n    """Cost."""\n    base_cost = weight_kg * 2\n    return base_cost\n'
    q5 = fit_of(git_repo, base, head)[4]
    assert q5.verdict == "fits", q5
    assert "camelCase names 0% vs 0%" in q5.summary and "0 of" in q5.summary


@pytest.mark.parametrize("name, case", [
    ("placeOrder", "camel"), ("PlaceOrder", "pascal"), ("place_order", "snake"), ("MAX_RETRIES", "upper"),
    ("run", "word"), ("_logger", "word"), ("_orderService", "camel"), ("HTTPServer", "pascal"), ("ID", "upper"),
    ("parseHTTPResponse", "camel"), ("Place_Order", "other"), ("$scope", "word"),
])
def test_name_cases(name: str, case: str) -> None:
    assert name_case(name) == case


def test_naming_leaves_constructors_and_anonymous_functions_out() -> None:
    functions = (FunctionMetric("Shipping.Shipping", 3, 4, 1, True), FunctionMetric("(anonymous)", 5, 6, 1),
                 FunctionMetric("Shipping.shippingCost", 7, 8, 1, True),
                 FunctionMetric("Spec.`computes the cost`", 9, 10, 1, True))
    rows = naming(functions, (ClassInfo("Shipping", 1),), [("weightKg", 7), ("zone_code", 7)])
    assert rows == (("method", "camel", 1, "shippingCost", 7), ("type", "pascal", 1, "Shipping", 1),
                    ("variable", "camel", 1, "weightKg", 7), ("variable", "snake", 1, "zone_code", 7))


def test_gradle_build_scripts_are_not_the_codebases_style(git_repo, private_cache) -> None:
    """Gradle properties are snake_case by convention and EF Core writes its migrations: neither is held to
    the code's conventions (both seen in real pairs: ktor-samples, jasontaylordev/CleanArchitecture)."""
    kt = dict(KT_GOOD)
    kt["build.gradle.kts"] = ('val kotlin_version: String by project\nval logback_version: String by project\n\n'
                              'dependencies {\n    implementation("ch.qos.logback:logback-classic:$logback_version")\n}\n')
    q5 = fit_of(git_repo, KT_BASE, kt)[4]
    assert q5.verdict == "fits" and not q5.evidence, q5


def test_ef_core_migrations_outside_a_migrations_folder_are_generated_code(git_repo, private_cache) -> None:
    cs = dict(CS_GOOD)
    cs["src/Shop/Data/PostgreSQL/20240101120000_Initial.cs"] = (
        "namespace Shop.Data.Migrations;\n\npublic partial class Initial\n{\n    protected void up_tables(int table_count)"
        " { var row_count = table_count; }\n}\n")
    q5 = fit_of(git_repo, CS_BASE, cs)[4]
    assert q5.verdict == "fits" and not q5.evidence, q5


ERRORS_BASE = {
    "src/errors.ts": "export class AppError extends Error {}\n\nexport class NotFoundError extends AppError {}\n",
    "src/orders/orders.ts": '''import { NotFoundError } from "../errors";

export function findOrder(orders: Map<string, string>, orderId: string): string {
  const found = orders.get(orderId);
  if (!found) {
    throw new NotFoundError(orderId);
  }
  return found;
}

export function cancelOrder(orders: Map<string, string>, orderId: string): void {
  if (!orders.delete(orderId)) {
    throw new NotFoundError(orderId);
  }
}
''',
}
ERRORS_CHANGE = {"src/orders/refunds.ts": '''export class RefundError extends Error {}

export function refund(payments: Map<string, number>, paymentId: string): number | null {
  try {
    return payments.get(paymentId) ?? 0;
  } catch (err) {
    return null;
  }
}
'''}


def test_typescript_error_handling_is_held_to_the_codebases(git_repo, private_cache) -> None:
    """The codebase throws its own errors (under AppError); the change returns null from a catch and defines an
    error class beside the hierarchy: both are reported where they are."""
    q2 = fit_of(git_repo, ERRORS_BASE, ERRORS_CHANGE)[1]
    assert q2.verdict == "drifts", q2
    texts = {(e.path, e.line, e.text.split(" (", 1)[0]) for e in q2.evidence}
    assert ("src/orders/refunds.ts", 7, "returns null from a catch block; the codebase throws exceptions") in texts
    assert ("src/orders/refunds.ts", 1, "RefundError derives from Error, not from the codebase's base exception AppError") in texts
    assert "2 throw statements and 0 returns of null or an error code from catch blocks" in q2.summary
