import logging

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from notes.db import get_db
from notes.main import current_user_id
from notes.models import Note, Tag

router = APIRouter(prefix="/notes")
logger = logging.getLogger(__name__)


@router.get("/")
def list_notes(db: Session = Depends(get_db), user_id: int = Depends(current_user_id)):
    return db.scalars(select(Note).where(Note.author_id == user_id)).all()


@router.get("/page")
def list_notes_page(offset: int = 0, db: Session = Depends(get_db), user_id: int = Depends(current_user_id)):
    stmt = select(Note).where(Note.author_id == user_id).order_by(Note.id).offset(offset).limit(50)
    return db.scalars(stmt).all()


@router.get("/tags")
def all_tags(db: Session = Depends(get_db), user_id: int = Depends(current_user_id)):
    return db.query(Tag).all()


@router.get("/with-tags")
def notes_with_tags(db: Session = Depends(get_db), user_id: int = Depends(current_user_id)):
    notes = db.query(Note).filter(Note.author_id == user_id).limit(100).all()
    out = []
    for note in notes:
        labels = [t.label for t in note.tags]
        out.append({"id": note.id, "tags": labels})
    return out


@router.get("/with-tags-fast")
def notes_with_tags_fast(db: Session = Depends(get_db), user_id: int = Depends(current_user_id)):
    stmt = select(Note).options(selectinload(Note.tags)).where(Note.author_id == user_id).limit(100)
    notes = db.scalars(stmt).all()
    return [{"id": n.id, "tags": [t.label for t in n.tags]} for n in notes]


@router.get("/{note_id}")
def read_note(note_id: int, db: Session = Depends(get_db), user_id: int = Depends(current_user_id)):
    note = db.get(Note, note_id)
    if note is None:
        raise HTTPException(status_code=404)
    return note


@router.get("/{note_id}/mine")
def read_own_note(note_id: int, db: Session = Depends(get_db), user_id: int = Depends(current_user_id)):
    note = db.get(Note, note_id)
    if note is None or note.author_id != user_id:
        raise HTTPException(status_code=404)
    return note


@router.delete("/{note_id}")
def delete_note(note_id: int, db: Session = Depends(get_db), user_id: int = Depends(current_user_id)):
    note = db.scalars(select(Note).where(Note.id == note_id, Note.author_id == user_id)).first()
    if note is None:
        raise HTTPException(status_code=404)
    db.delete(note)
    db.commit()
    logger.info("note %s deleted", note_id)
    return {"ok": True}
