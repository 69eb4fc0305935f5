from django.db import models


class Customer(models.Model):
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=120)
    loyalty_points = models.IntegerField(default=0)


class Product(models.Model):
    sku = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    stock = models.IntegerField(default=0)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=20, default="new")
    total = models.DecimalField(max_digits=10, decimal_places=2, default=0)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT)
    quantity = models.IntegerField()


class Invoice(models.Model):
    order = models.OneToOneField(Order, models.CASCADE)
    number = models.CharField(max_length=20)
    sent = models.BooleanField(default=False)


class Subscriber(models.Model):
    email = models.EmailField()
    confirmed = models.BooleanField(default=False)


class Wishlist(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True)
    product = models.ForeignKey(Product, on_delete=models.SET_NULL, null=True)

    class Meta:
        unique_together = ("customer", "product")


def subscribe(email):
    if not Subscriber.objects.filter(email=email).exists():
        Subscriber.objects.create(email=email)


def add_product(sku, name, price):
    if not Product.objects.filter(sku=sku).exists():
        Product.objects.create(sku=sku, name=name, price=price)


def add_to_wishlist(customer, product):
    if Wishlist.objects.filter(customer=customer, product=product).exists():
        return
    Wishlist.objects.create(customer=customer, product=product)
