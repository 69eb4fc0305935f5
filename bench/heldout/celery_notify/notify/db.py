"""Database access for the worker: SQLAlchemy Core on the shared Postgres."""
import os
from contextlib import contextmanager

from sqlalchemy import create_engine, text

engine = create_engine(
    os.environ.get("DATABASE_URL", "postgresql+psycopg2://notify@db/app"),
    pool_pre_ping=True,
    connect_args={"connect_timeout": 5},
)


@contextmanager
def connection():
    with engine.connect() as conn:
        yield conn


def fetch_user(conn, user_id: int):
    return conn.execute(text("SELECT id, email, phone, plan, stripe_customer FROM users WHERE id = :id"), {"id": user_id}).one()


def users_on_plan(conn, plan: str, order_by: str = "id"):
    return conn.execute(text(f"SELECT id, email, phone FROM users WHERE plan = :plan ORDER BY {order_by}"), {"plan": plan}).all()
