"""Post a line to the team's Slack channel through an incoming webhook."""

from __future__ import annotations

import requests

from buildright.config import settings


def post_to_channel(text: str) -> None:
    """Best effort: Slack being down must never fail the request."""
    if not settings.slack_webhook_url:
        return
    try:
        requests.post(settings.slack_webhook_url, json={"text": text})
    except Exception:
        pass
