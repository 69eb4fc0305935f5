"""A dual write through a wrapper another module defines, followed through the import (issue 10).

Shape from Pontoon (held11, tuned after looking): batch actions commit, then call
``send_badge_notification`` from ``pontoon.messaging.notifications``, which renders a text and calls
``send_notification``, which calls django-notifications' ``notify.send``: a Notification row in the same
database, nothing outside. A wrapper of the same module that sends an e-mail stays a dual write.
"""

from __future__ import annotations

from archreview.analysis.run import analyze
from tests.repos import make_repo

NOTIFICATIONS = """\
from django.core.mail import send_mail
from django.template.loader import render_to_string
from notifications.signals import notify


def send_notification(sender, recipient, **kwargs):
    notify.send(sender, recipient=recipient, **kwargs)


def send_badge_notification(user, badge, level):
    desc = render_to_string("badge_notification.html", {"badge": badge, "level": level})
    send_notification(user, recipient=user, verb="ignore", description=desc, category="badge")


def send_welcome_email(user):
    send_mail("Welcome", "Hello", "noreply@example.org", [user.email])
"""
ACTIONS = """\
from django.db import transaction

from pontoon.messaging.notifications import send_badge_notification, send_welcome_email


def approve_translations(user, translations):
    for t in translations:
        t.approved = True
        t.save()
    user.profile.save()
    send_badge_notification(user, "Review Master", 1)


def register(user):
    user.save()
    send_welcome_email(user)
"""


def test_a_call_to_an_in_process_notification_wrapper_in_another_module_is_no_dual_write(tmp_path):
    repo = make_repo(tmp_path, [{"pontoon/__init__.py": "", "pontoon/messaging/__init__.py": "",
                                 "pontoon/messaging/notifications.py": NOTIFICATIONS,
                                 "pontoon/batch/__init__.py": "", "pontoon/batch/actions.py": ACTIONS}])
    found = [f for f in analyze(repo.path, use_cache=False).findings if f.rule.startswith("dual_write")]
    assert [(f.path, f.line) for f in found] == [("pontoon/batch/actions.py", 16)]  # the e-mail stays
    assert "send_welcome_email" in found[0].message
