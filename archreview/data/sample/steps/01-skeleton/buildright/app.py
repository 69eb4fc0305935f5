"""Application factory: the one place where objects are wired together.

Constructor injection by hand: repositories get the shared session,
services get repositories, blueprints get services.
"""

from __future__ import annotations

from flask import Flask, jsonify

from buildright import db
from buildright.config import settings
from buildright.controllers.tasks import tasks_blueprint
from buildright.controllers.users import users_blueprint
from buildright.errors import BuildRightError
from buildright.repositories.task_repository import TaskRepository
from buildright.repositories.user_repository import UserRepository
from buildright.services.task_service import TaskService
from buildright.services.user_service import UserService


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.secret_key

    user_repo = UserRepository(db.session)
    task_repo = TaskRepository(db.session)
    users = UserService(user_repo)
    tasks = TaskService(task_repo, user_repo)

    app.register_blueprint(tasks_blueprint(tasks))
    app.register_blueprint(users_blueprint(users, tasks))
    app.teardown_appcontext(db.remove_session)

    @app.errorhandler(BuildRightError)
    def handle_error(error: BuildRightError):
        return jsonify({"error": str(error)}), error.status_code

    return app
