"""REST endpoints exposing the notification service to the web client."""

from __future__ import annotations

from flask import Blueprint, jsonify

from buildright import db
from buildright.repositories.user_repository import UserRepository
from notification_service.domain.events import NotificationRead
from notification_service.infrastructure.container import ServiceLocator
from notification_service.infrastructure.message_bus import MessageBus
from notification_service.infrastructure.notification_database import NotificationDatabase

notifications_bp = Blueprint("notifications", __name__)


@notifications_bp.get("/users/<int:user_id>/notifications")
def list_notifications(user_id: int):
    if UserRepository(db.session).find_by_id(user_id) is None:
        return jsonify({"error": "User not found", "code": "USER_NOT_FOUND"}), 404
    database = ServiceLocator.instance().resolve(NotificationDatabase)
    records = database.pending_for_user(user_id)
    return jsonify(
        [{"id": r.id, "message": r.message, "priority": r.priority, "status": r.status} for r in records]
    )


@notifications_bp.post("/users/<int:user_id>/notifications/<int:notification_id>/read")
def mark_read(user_id: int, notification_id: int):
    event = NotificationRead(notification_id=notification_id, user_id=user_id)
    ServiceLocator.instance().resolve(MessageBus).publish(event.event_type, event.to_dict())
    return jsonify({"status": "accepted"}), 202
