from __future__ import annotations

from flask import Blueprint, jsonify, request

from buildright.services.project_service import ProjectService


def projects_blueprint(projects: ProjectService) -> Blueprint:
    bp = Blueprint("projects", __name__, url_prefix="/projects")

    @bp.get("")
    def overview():
        return jsonify(projects.overview())

    @bp.post("")
    def create_project():
        body = request.get_json(force=True)
        project = projects.create(body.get("name", ""), int(body["owner_id"]))
        return jsonify({"id": project.id, "name": project.name}), 201

    @bp.post("/<int:project_id>/archive")
    def archive_project(project_id: int):
        project = projects.archive(project_id)
        return jsonify({"id": project.id, "archived": project.archived})

    return bp
