import os

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

DATABASE_URL = "postgresql+psycopg://notes:n0t3s-Pr0d-2024@db.internal:5432/notes"
ANALYTICS_URL = os.environ.get("ANALYTICS_URL", "postgresql+psycopg://localhost/analytics")

engine = create_engine(DATABASE_URL, pool_size=10)
SessionLocal = sessionmaker(bind=engine, expire_on_commit=False)


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
