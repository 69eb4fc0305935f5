import logging

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from shop.models import Customer, Invoice, Order, OrderLine, Product
from shop.tasks import sync_inventory

logger = logging.getLogger(__name__)


@require_POST
def reserve(request, product_id):
    quantity = int(request.POST["quantity"])
    product = Product.objects.get(pk=product_id)
    if product.stock < quantity:
        return JsonResponse({"error": "out of stock"}, status=409)
    product.stock -= quantity
    product.save()
    return JsonResponse({"stock": product.stock})


@require_POST
def reserve_atomically(request, product_id):
    quantity = int(request.POST["quantity"])
    updated = Product.objects.filter(pk=product_id, stock__gte=quantity).update(stock=F("stock") - quantity)
    if not updated:
        return JsonResponse({"error": "out of stock"}, status=409)
    return JsonResponse({"ok": True})


@require_POST
def reserve_locked(request, product_id):
    quantity = int(request.POST["quantity"])
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=product_id)
        product.stock -= quantity
        product.save(update_fields=["stock"])
    return JsonResponse({"stock": product.stock})


@require_POST
def award_points(request, customer_id):
    customer = get_object_or_404(Customer, pk=customer_id)
    customer.loyalty_points = customer.loyalty_points + int(request.POST["points"])
    customer.save()
    return JsonResponse({"points": customer.loyalty_points})


@require_POST
def checkout(request):
    customer = get_object_or_404(Customer, pk=request.POST["customer"])
    order = Order.objects.create(customer=customer, total=request.POST["total"])
    OrderLine.objects.create(order=order, product_id=request.POST["product"], quantity=1)
    Invoice.objects.create(order=order, number=f"INV-{order.pk:06d}")
    send_mail("Order received", f"Order {order.pk}", "shop@example.com", [customer.email])
    return JsonResponse({"order": order.pk})


@require_POST
@transaction.atomic
def checkout_atomically(request):
    customer = get_object_or_404(Customer, pk=request.POST["customer"])
    order = Order.objects.create(customer=customer, total=request.POST["total"])
    OrderLine.objects.create(order=order, product_id=request.POST["product"], quantity=1)
    transaction.on_commit(lambda: send_mail("Order received", f"Order {order.pk}", "shop@example.com", [customer.email]))
    return JsonResponse({"order": order.pk})


@require_POST
def mark_shipped(request, order_id):
    order = get_object_or_404(Order, pk=order_id)
    order.status = "shipped"
    order.save()
    sync_inventory.delay(order.pk)
    return JsonResponse({"status": order.status})


def order_summary(request, order_id):
    try:
        order = Order.objects.get(pk=order_id, customer__email=request.user.email)
    except Order.DoesNotExist:
        return JsonResponse({"error": "not found"}, status=404)
    return JsonResponse({"status": order.status, "total": str(order.total)})


def loyalty_balance(request, customer_id):
    try:
        customer = Customer.objects.get(pk=customer_id)
        return JsonResponse({"points": customer.loyalty_points})
    except Exception:
        return None


def resend_invoice(request, invoice_id):
    invoice = get_object_or_404(Invoice, pk=invoice_id)
    try:
        send_mail("Your invoice", invoice.number, "shop@example.com", [invoice.order.customer.email])
    except Exception as exc:
        logger.error("invoice %s not sent: %s", invoice.pk, exc)
        return JsonResponse({"sent": False}, status=502)
    return JsonResponse({"sent": True})
