"""Daily reminders for overdue invoices (run by the scheduler in create_app)."""
import os
from datetime import date

from sqlalchemy.orm import joinedload
from twilio.rest import Client

from .extensions import db
from .models import Invoice

FROM_NUMBER = os.environ.get("TWILIO_FROM", "+15005550006")
REMINDER_TEXT = "Invoice {number} for {amount} {currency} is overdue. Pay at https://pay.example.com/i/{number}"


def send_overdue_reminders() -> int:
    client = Client(os.environ["TWILIO_ACCOUNT_SID"], os.environ["TWILIO_AUTH_TOKEN"])
    overdue = (
        Invoice.query.options(joinedload(Invoice.customer))
        .filter(Invoice.status == "open", Invoice.due_date < date.today())
        .all()
    )
    sent = 0
    for invoice in overdue:
        phone = invoice.customer.phone
        if not phone:
            continue
        try:
            client.messages.create(
                to=phone,
                from_=FROM_NUMBER,
                body=REMINDER_TEXT.format(number=invoice.number, amount=invoice.amount, currency=invoice.currency),
            )
            print(f"reminder sent for {invoice.number}")
            sent += 1
        except Exception:
            pass
    db.session.commit()
    return sent
