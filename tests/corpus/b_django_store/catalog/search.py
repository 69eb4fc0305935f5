import subprocess

import yaml
from django.db import connection

from catalog.models import Product


def search_products(term, order_by):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, name FROM catalog_product WHERE name ILIKE %s ORDER BY " + order_by, [f"%{term}%"])
        return cursor.fetchall()


def search_products_bound(term):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, name FROM catalog_product WHERE name ILIKE %s", [f"%{term}%"])
        return cursor.fetchall()


def products_in(ids):
    placeholders = ", ".join(["%s"] * len(ids))
    return list(Product.objects.raw(f"SELECT * FROM catalog_product WHERE id IN ({placeholders})", ids))


def products_by_brand(brand):
    return list(Product.objects.raw("SELECT * FROM catalog_product WHERE brand = '%s'" % brand))


def import_feed(path):
    with open(path) as fh:
        feed = yaml.load(fh)
    return feed


def import_feed_safe(path):
    with open(path) as fh:
        return yaml.safe_load(fh)


def make_thumbnail(image_path):
    subprocess.run(f"convert {image_path} -resize 200x200 {image_path}.thumb.jpg", shell=True, check=True)


def make_thumbnail_safe(image_path):
    subprocess.run(["convert", image_path, "-resize", "200x200", f"{image_path}.thumb.jpg"], check=True)
