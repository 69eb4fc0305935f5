"""Push notifications through the external push provider."""

from __future__ import annotations

import requests
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from notification_service.domain.channels import ChannelFactory, NotificationChannel
from notification_service.domain.events import NotificationRequested
from notification_service.infrastructure.retry_policy import push_breaker


@ChannelFactory.register
class PushNotificationChannel(NotificationChannel):
    name = "push"

    def __init__(self, endpoint: str, api_key: str) -> None:
        self._endpoint = endpoint
        self._api_key = api_key
        self._session = requests.Session()

    @push_breaker
    @retry(
        retry=retry_if_exception_type(requests.RequestException),
        wait=wait_exponential(multiplier=1, min=1, max=20),
        stop=stop_after_attempt(5),
        reraise=True,
    )
    def send(self, notification: NotificationRequested) -> None:
        response = self._session.post(
            self._endpoint,
            json={
                "user": notification.user_id,
                "body": notification.message,
                "priority": notification.priority,
                "data": notification.metadata,
            },
            headers={"Authorization": f"Bearer {self._api_key}"},
        )
        response.raise_for_status()
