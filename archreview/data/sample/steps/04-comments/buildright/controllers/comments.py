from __future__ import annotations

from flask import Blueprint, jsonify, request

from buildright.models import Comment
from buildright.services.comment_service import CommentService


def comment_json(comment: Comment) -> dict:
    return {"id": comment.id, "task_id": comment.task_id, "author_id": comment.author_id, "body": comment.body}


def comments_blueprint(comments: CommentService) -> Blueprint:
    bp = Blueprint("comments", __name__)

    @bp.get("/tasks/<int:task_id>/comments")
    def list_comments(task_id: int):
        return jsonify([comment_json(c) for c in comments.for_task(task_id)])

    @bp.post("/tasks/<int:task_id>/comments")
    def add_comment(task_id: int):
        body = request.get_json(force=True)
        comment = comments.add(task_id, int(body["author_id"]), body.get("body", ""))
        return jsonify(comment_json(comment)), 201

    @bp.delete("/comments/<int:comment_id>")
    def delete_comment(comment_id: int):
        comments.delete(comment_id, int(request.args["user_id"]))
        return "", 204

    return bp
