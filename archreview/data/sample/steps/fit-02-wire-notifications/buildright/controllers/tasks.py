from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify, request

from buildright.models import Task
from buildright.services.notification_service import NotificationService
from buildright.services.task_service import TaskService


def task_json(task: Task) -> dict:
    return {
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "status": task.status.value,
        "project_id": task.project_id,
        "assignee_id": task.assignee_id,
        "due_date": task.due_date.isoformat() if task.due_date else None,
    }


def tasks_blueprint(tasks: TaskService, notifications: NotificationService) -> Blueprint:
    bp = Blueprint("tasks", __name__, url_prefix="/tasks")

    @bp.post("")
    def create_task():
        body = request.get_json(force=True)
        due = body.get("due_date")
        task = tasks.create(
            body.get("title", ""),
            body.get("description", ""),
            body.get("project_id"),
            date.fromisoformat(due) if due else None,
        )
        return jsonify(task_json(task)), 201

    @bp.get("/<int:task_id>")
    def get_task(task_id: int):
        return jsonify(task_json(tasks.get(task_id)))

    @bp.post("/<int:task_id>/assign")
    def assign_task(task_id: int):
        body = request.get_json(force=True)
        task = tasks.assign(task_id, int(body["user_id"]))
        notifications.notify(task.assignee_id, f"Task #{task.id} assigned to you: {task.title}")
        return jsonify(task_json(task))

    @bp.post("/<int:task_id>/complete")
    def complete_task(task_id: int):
        return jsonify(task_json(tasks.complete(task_id)))

    return bp
