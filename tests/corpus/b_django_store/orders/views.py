from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render

from orders.models import Order, OrderItem, Shipment


@login_required
def order_history(request):
    orders = Order.objects.filter(customer__user=request.user).order_by("-created")
    return render(request, "orders/history.html", {"orders": orders})


@login_required
def order_history_paged(request):
    orders = Order.objects.filter(customer__user=request.user).order_by("-created")
    page = Paginator(orders, 25).get_page(request.GET.get("page"))
    return render(request, "orders/history.html", {"page": page})


@login_required
def sales_dashboard(request):
    data = []
    for order in Order.objects.filter(status="paid")[:100]:
        data.append({"id": order.pk, "phone": order.customer.phone, "lines": order.items.count()})
    return JsonResponse({"orders": data})


@login_required
def sales_dashboard_fast(request):
    orders = Order.objects.filter(status="paid").select_related("customer").prefetch_related("items")[:100]
    data = [{"id": o.pk, "phone": o.customer.phone, "lines": len(o.items.all())} for o in orders]
    return JsonResponse({"orders": data})


@login_required
def stock_for_skus(request):
    skus = request.GET.getlist("sku")
    result = {}
    for sku in skus:
        result[sku] = OrderItem.objects.filter(sku=sku).count()
    return JsonResponse(result)


@login_required
def all_items_export(request):
    items = OrderItem.objects.all()
    return JsonResponse({"items": list(items.values("sku", "quantity"))})


@login_required
def shipment_detail(request, shipment_id):
    shipment = get_object_or_404(Shipment, pk=shipment_id)
    return JsonResponse({"tracking": shipment.tracking})


@login_required
def shipment_detail_own(request, shipment_id):
    shipment = get_object_or_404(Shipment, pk=shipment_id, owner=request.user)
    return JsonResponse({"tracking": shipment.tracking})


@login_required
def order_status(request):
    order = Order.objects.get(pk=request.GET["order"])
    return JsonResponse({"status": order.status})
