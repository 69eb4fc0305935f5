import pickle
import subprocess

from fastapi import APIRouter, Depends, Request
from sqlalchemy import text
from sqlalchemy.orm import Session

from notes.db import get_db

router = APIRouter(prefix="/admin")


@router.post("/restore")
async def restore(request: Request):
    blob = await request.body()
    state = pickle.loads(blob)
    return {"restored": len(state)}


@router.get("/grep")
def grep_logs(pattern: str):
    out = subprocess.check_output("grep -i " + pattern + " /var/log/notes.log", shell=True)
    return {"lines": out.decode().splitlines()[:100]}


@router.get("/disk")
def disk_usage():
    out = subprocess.check_output("df -h /", shell=True)
    return {"df": out.decode()}


@router.get("/count")
def count_rows(table: str, db: Session = Depends(get_db)):
    return {"rows": db.execute(text("SELECT count(*) FROM {}".format(table))).scalar()}


@router.get("/search")
def search(q: str, db: Session = Depends(get_db)):
    rows = db.execute(text("SELECT id, title FROM notes WHERE title ILIKE :q LIMIT 20"), {"q": f"%{q}%"}).all()
    return [dict(r._mapping) for r in rows]


@router.post("/calc")
def calc(expr: str):
    return {"value": eval(expr)}
