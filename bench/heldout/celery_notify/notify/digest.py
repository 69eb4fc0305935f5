"""Weekly digest: an LLM-written summary of each customer's activity, by e-mail and SMS."""
from __future__ import annotations

import os
import pickle
import subprocess

import openai
import redis
from twilio.rest import Client as TwilioClient

from .celery_app import app
from .db import connection, users_on_plan

client = openai.OpenAI(api_key=os.environ["OPENAI_API_KEY"], timeout=20)
cache = redis.Redis(host=os.environ.get("REDIS_HOST", "redis"), socket_timeout=2)
twilio = TwilioClient(os.environ["TWILIO_SID"], os.environ["TWILIO_TOKEN"])

MAX_DIGESTS_PER_RUN = 200
failed_users = []


def activity_for(user_id: int) -> dict:
    blob = cache.get(f"activity:{user_id}")
    if blob is None:
        return {}
    return pickle.loads(blob)


def write_summary(activity: dict) -> str:
    resp = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "Summarise this week's account activity in three friendly sentences."},
            {"role": "user", "content": repr(activity)},
        ],
    )
    return resp.choices[0].message.content


@app.task
def weekly_digest() -> int:
    with connection() as conn:
        users = users_on_plan(conn, "pro")
    sent = 0
    for user in users:
        try:
            summary = write_summary(activity_for(user.id))
        except openai.APIError:
            failed_users.append(user.id)
            continue
        if user.phone:
            twilio.messages.create(to=user.phone, from_="+15550100", body=summary[:300])
        sent += 1
    print("weekly digest sent to", sent, "users;", len(failed_users), "failed")
    return sent


@app.task
def digest_preview(user_ids: list[int]) -> list[str]:
    previews = []
    for uid in user_ids[:MAX_DIGESTS_PER_RUN]:
        previews.append(write_summary(activity_for(uid)))
    return previews


@app.task
def export_week(account_slug: str) -> str:
    out = f"/tmp/export-{account_slug}.csv"
    subprocess.run(f"pg_dump --data-only -t activity_{account_slug} app | gzip > {out}.gz", shell=True, check=True)
    return out


def rebuild_templates() -> None:
    subprocess.run(["mjml", "templates/digest.mjml", "-o", "templates/digest.html"], check=True, timeout=60)
