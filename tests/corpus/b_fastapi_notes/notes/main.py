import secrets
import threading

from fastapi import FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware

from notes.routers import admin, notes

app = FastAPI(title="notes")
app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_credentials=True,
    allow_methods=["*"],
)
app.include_router(notes.router)
app.include_router(admin.router)

sessions: dict[str, int] = {}
DEFAULT_PAGE_SIZE = 50


@app.post("/login")
def login(request: Request, user_id: int):
    token = secrets.token_urlsafe(32)
    sessions[token] = user_id
    return {"token": token}


def current_user_id(request: Request) -> int:
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if token not in sessions:
        raise HTTPException(status_code=401)
    return sessions[token]


def purge_sessions():
    sessions.clear()
    threading.Timer(3600, purge_sessions).start()


purge_sessions()
