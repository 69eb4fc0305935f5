"""E-mail to users through the company SMTP relay.

One retry on a transport error, then the error goes to the caller: the
relay is on the same network, so a second failure means it is down.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from buildright.config import Settings
from buildright.errors import NotFoundError
from buildright.repositories.user_repository import UserRepository

logger = logging.getLogger(__name__)


class EmailService:
    def __init__(self, user_repo: UserRepository, settings: Settings) -> None:
        self._users = user_repo
        self._settings = settings

    def send(self, user_id: int, subject: str, body: str) -> None:
        user = self._users.find_by_id(user_id)
        if user is None:
            raise NotFoundError("User", user_id)
        self._send_email(user.email, subject, body)

    def _send_email(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self._settings.mail_from
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        try:
            self._deliver(message)
        except (smtplib.SMTPException, OSError) as error:
            logger.warning("e-mail to %s failed (%s), retrying once", to, error)
            self._deliver(message)

    def _deliver(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self._settings.smtp_host, self._settings.smtp_port, timeout=10) as smtp:
            smtp.send_message(message)
