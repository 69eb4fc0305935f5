import os
import uuid

import boto3
from flask import Blueprint, current_app, jsonify, request
from flask_login import login_required
from werkzeug.utils import secure_filename

bp = Blueprint("uploads", __name__, url_prefix="/uploads")
s3 = boto3.client("s3")


@bp.route("/receipt", methods=["POST"])
@login_required
def upload_receipt():
    receipt = request.files["receipt"]
    name = secure_filename(receipt.filename)
    receipt.save(os.path.join(current_app.config["UPLOAD_FOLDER"], name))
    return jsonify({"name": name})


@bp.route("/avatar", methods=["POST"])
@login_required
def upload_avatar():
    avatar = request.files["avatar"]
    key = f"avatars/{uuid.uuid4()}"
    s3.upload_fileobj(avatar, current_app.config["BUCKET"], key)
    return jsonify({"key": key})
