from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0006_listing_is_active"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="listing",
            name="legacy_sku",
        ),
        migrations.AddField(
            model_name="seller",
            name="payout_account",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
    ]
