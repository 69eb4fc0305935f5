"""A dual write through a wrapper another module defines, followed through the import (issue 10).

Shape from Pontoon (held11, tuned after looking): batch actions commit, then call
``send_badge_notification`` from ``pontoon.messaging.notifications``, which renders a text and calls
``send_notification``, which calls django-notifications' ``notify.send``: a Notification row in the same
database, nothing outside. A wrapper of the same module that sends an e-mail stays a dual write.
"""

from __future__ import annotations

import dataclasses

from archreview.analysis.run import analyze
from archreview.checklist.across.wrappers import drop_in_process_calls
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


PONTOON = {"pontoon/__init__.py": "", "pontoon/messaging/__init__.py": "", "pontoon/messaging/notifications.py": NOTIFICATIONS,
           "pontoon/batch/__init__.py": "", "pontoon/batch/actions.py": ACTIONS}


def test_a_call_to_an_in_process_notification_wrapper_in_another_module_is_no_dual_write(tmp_path):
    repo = make_repo(tmp_path, [PONTOON])
    found = [f for f in analyze(repo.path, use_cache=False).findings if f.rule.startswith("dual_write")]
    assert [(f.path, f.line) for f in found] == [("pontoon/batch/actions.py", 16)]  # the e-mail stays
    assert "send_welcome_email" in found[0].message


def test_the_call_is_followed_by_the_callee_the_detector_names_whatever_the_message_says(tmp_path):
    analysis = analyze(make_repo(tmp_path, [PONTOON]).path, use_cache=False)
    [actions] = [f for f in analysis.head.files if f.path == "pontoon/batch/actions.py"]
    badge, welcome = sorted((f for f in actions.findings if f.rule.startswith("dual_write")), key=lambda f: f.line)
    assert (badge.callee, welcome.callee) == ("send_badge_notification", "send_welcome_email")
    # worded another way (an edit of data/rules.toml), each finding is still about the call its detector saw
    reworded = [dataclasses.replace(f, message=f"Approving then {f.message}") for f in (badge, welcome)]
    assert drop_in_process_calls(reworded, analysis.head.files, analysis.modules) == reworded[1:]
