from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0007_remove_listing_legacy_sku"),
    ]

    operations = [
        migrations.DeleteModel(name="WishlistEntry"),
        migrations.RunSQL("TRUNCATE TABLE listings_searchlog;", reverse_sql=migrations.RunSQL.noop),
    ]
