"""Commands run by cron on the app server (``flask --app wsgi remind-deadlines``)."""

from __future__ import annotations

from datetime import date

import click
from flask import Flask

from buildright.services.task_service import TaskService


def register_commands(app: Flask, tasks: TaskService) -> None:
    @app.cli.command("remind-deadlines")
    def remind_deadlines() -> None:
        """E-mail assignees of open tasks that are due today or overdue."""
        sent = tasks.send_deadline_reminders(date.today())
        click.echo(f"{sent} reminder(s) sent")
