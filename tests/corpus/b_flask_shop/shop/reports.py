from sqlalchemy import text

from shop import db

ORDER_TABLE = "order"


def revenue_by_status(status):
    sql = f"SELECT sum(total_cents) FROM {ORDER_TABLE} WHERE status = '{status}'"
    return db.session.execute(text(sql)).scalar()


def revenue_by_status_bound(status):
    sql = f"SELECT sum(total_cents) FROM {ORDER_TABLE} WHERE status = :status"
    return db.session.execute(text(sql), {"status": status}).scalar()


def customers_named(prefix):
    query = "SELECT id, email FROM customer WHERE name LIKE '" + prefix + "%'"
    return db.session.execute(text(query)).all()
