import json
import logging
import os

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET, require_POST

from .models import Favourite, Listing, Order, Review, Seller
from .services import place_order, publish_listing_event

logger = logging.getLogger(__name__)


def _listing_json(listing):
    return {"id": listing.id, "title": listing.title, "price": str(listing.price), "stock": listing.stock}


@require_GET
def catalogue(request):
    listings = Listing.objects.filter(is_active=True).order_by("-created_at")
    return JsonResponse({"results": [_listing_json(x) for x in listings]})


@require_GET
def catalogue_page(request):
    size = min(int(request.GET.get("size", 20)), settings.MAX_PAGE_SIZE)
    page = Paginator(Listing.objects.filter(is_active=True).order_by("-created_at"), size).get_page(request.GET.get("page"))
    return JsonResponse({"results": [_listing_json(x) for x in page], "pages": page.paginator.num_pages})


@require_GET
def seller_listings(request, slug):
    seller = get_object_or_404(Seller, slug=slug)
    listings = seller.listings.filter(is_active=True)[:50]
    return JsonResponse({"seller": seller.display_name, "results": [_listing_json(x) for x in listings]})


@login_required
def order_detail(request, order_id):
    order = get_object_or_404(Order, pk=order_id)
    return JsonResponse({"id": order.id, "listing": order.listing.title, "total": str(order.total), "status": order.status})


@login_required
def order_receipt(request, order_id):
    order = get_object_or_404(Order.objects.select_related("listing"), pk=order_id, buyer=request.user)
    return JsonResponse({"id": order.id, "listing": order.listing.title, "total": str(order.total)})


@login_required
@require_POST
def cancel_order(request, order_id):
    order = Order.objects.get(id=order_id)
    if order.status != Order.Status.PENDING:
        return HttpResponseBadRequest("only pending orders can be cancelled")
    order.status = Order.Status.CANCELLED
    order.save(update_fields=["status"])
    Listing.objects.filter(pk=order.listing_id).update(stock=F("stock") + order.quantity)
    logger.info("order %s cancelled", order.id)
    return JsonResponse({"status": order.status})


@login_required
@require_POST
def buy(request, listing_id):
    payload = json.loads(request.body)
    order = place_order(request.user, listing_id, int(payload.get("quantity", 1)))
    return JsonResponse({"order": order.id, "total": str(order.total)}, status=201)


@login_required
@require_POST
def add_favourite(request, listing_id):
    listing = get_object_or_404(Listing, pk=listing_id, is_active=True)
    if not Favourite.objects.filter(user=request.user, listing=listing).exists():
        Favourite.objects.create(user=request.user, listing=listing)
    return JsonResponse({"ok": True})


@login_required
@require_POST
def become_seller(request):
    data = json.loads(request.body)
    try:
        with transaction.atomic():
            seller = Seller.objects.create(user=request.user, display_name=data["name"], slug=data["slug"])
    except IntegrityError:
        return JsonResponse({"error": "you already have a seller profile"}, status=409)
    return JsonResponse({"id": seller.id}, status=201)


@login_required
@require_POST
def review_listing(request, listing_id):
    listing = get_object_or_404(Listing, pk=listing_id)
    data = json.loads(request.body)
    review = Review.objects.create(listing=listing, author=request.user, rating=int(data["rating"]), body=data["body"])
    print("new review", review.id, "for listing", listing.id)
    return JsonResponse({"id": review.id}, status=201)


@login_required
@require_POST
def create_listing(request):
    seller = get_object_or_404(Seller, user=request.user)
    data = request.POST
    listing = Listing.objects.create(seller=seller, title=data["title"], price=data["price"], stock=int(data.get("stock", 0)))
    if "photo" in request.FILES:
        photo = request.FILES["photo"]
        path = default_storage.save(f"listings/{listing.id}/{photo.name}", photo)
        logger.info("photo stored at %s", path)
    publish_listing_event("listing.created", listing.id)
    return JsonResponse(_listing_json(listing), status=201)


@login_required
@require_POST
def upload_invoice_pdf(request, order_id):
    order = get_object_or_404(Order, pk=order_id, listing__seller__user=request.user)
    pdf = request.FILES["invoice"]
    target = os.path.join(settings.MEDIA_ROOT, "invoices", f"{order.id}.pdf")
    with open(target, "wb") as fh:
        for chunk in pdf.chunks():
            fh.write(chunk)
    return JsonResponse({"stored": True})


@login_required
def seller_dashboard(request):
    seller = get_object_or_404(Seller, user=request.user)
    orders = Order.objects.filter(listing__seller=seller).order_by("-created_at")[:100]
    rows = []
    for order in orders:
        rows.append({"order": order.id, "listing": order.listing.title, "buyer": order.buyer.email})
    recent = Order.objects.filter(listing__seller=seller).select_related("listing", "buyer")[:20]
    latest = [{"listing": o.listing.title, "buyer": o.buyer.email} for o in recent]
    return JsonResponse({"orders": rows, "latest": latest})
