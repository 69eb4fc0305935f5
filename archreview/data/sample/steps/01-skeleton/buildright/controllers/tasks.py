from __future__ import annotations

from flask import Blueprint, jsonify, request

from buildright.models import Task
from buildright.services.task_service import TaskService


def task_json(task: Task) -> dict:
    return {
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "status": task.status.value,
        "assignee_id": task.assignee_id,
    }


def tasks_blueprint(tasks: TaskService) -> Blueprint:
    bp = Blueprint("tasks", __name__, url_prefix="/tasks")

    @bp.post("")
    def create_task():
        body = request.get_json(force=True)
        task = tasks.create(body.get("title", ""), body.get("description", ""))
        return jsonify(task_json(task)), 201

    @bp.get("/<int:task_id>")
    def get_task(task_id: int):
        return jsonify(task_json(tasks.get(task_id)))

    @bp.post("/<int:task_id>/assign")
    def assign_task(task_id: int):
        body = request.get_json(force=True)
        return jsonify(task_json(tasks.assign(task_id, int(body["user_id"]))))

    @bp.post("/<int:task_id>/complete")
    def complete_task(task_id: int):
        return jsonify(task_json(tasks.complete(task_id)))

    return bp
