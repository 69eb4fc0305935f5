from __future__ import annotations

from flask import Blueprint, jsonify, request

from buildright.models import Notification
from buildright.services.notification_service import NotificationService


def notification_json(notification: Notification) -> dict:
    return {
        "id": notification.id,
        "message": notification.message,
        "urgent": notification.urgent,
        "read": notification.read,
    }


def notifications_blueprint(notifications: NotificationService) -> Blueprint:
    bp = Blueprint("notifications", __name__)

    @bp.get("/users/<int:user_id>/notifications")
    def list_notifications(user_id: int):
        return jsonify([notification_json(n) for n in notifications.for_user(user_id)])

    @bp.post("/notifications/<int:notification_id>/read")
    def mark_read(notification_id: int):
        user_id = int(request.get_json(force=True)["user_id"])
        return jsonify(notification_json(notifications.mark_as_read(notification_id, user_id)))

    return bp
