from __future__ import annotations

from flask import Blueprint, jsonify, request

from buildright.controllers.tasks import task_json
from buildright.services.task_service import TaskService
from buildright.services.user_service import UserService


def users_blueprint(users: UserService, tasks: TaskService) -> Blueprint:
    bp = Blueprint("users", __name__, url_prefix="/users")

    @bp.post("")
    def register():
        body = request.get_json(force=True)
        user = users.register(body.get("email", ""), body.get("name", ""))
        return jsonify({"id": user.id, "email": user.email, "name": user.name}), 201

    @bp.get("/<int:user_id>/tasks")
    def user_tasks(user_id: int):
        users.get(user_id)
        return jsonify([task_json(t) for t in tasks.for_user(user_id)])

    return bp
