from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0006_invoice_sent")]

    operations = [
        migrations.RemoveField(model_name="customer", name="legacy_id"),
        migrations.DeleteModel(name="GiftCard"),
        migrations.AddField(model_name="order", name="channel", field=models.CharField(max_length=20, default="web")),
        migrations.RunSQL("DROP TABLE shop_legacy_coupon;", reverse_sql=migrations.RunSQL.noop),
    ]
