import contextlib
import logging

from celery.signals import task_prerun, worker_ready
from django.conf import settings
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

log = logging.getLogger(__name__)


@worker_ready.connect
def drain_outbox_on_start(**_kwargs) -> None:
    """A worker coming up sends whatever piled up while the broker was away."""
    from .outbox import drain

    with contextlib.suppress(Exception):  # the database may not be ready yet; beat drains later
        drain()


@task_prerun.connect
def forget_started_outbox_message(task_id=None, **_kwargs) -> None:
    """A task sent through the outbox has started: its row is no longer needed (the job's own row,
    with its heartbeat, carries it from here)."""
    from .outbox import started

    try:
        started(task_id)
    except Exception as exc:  # the row stays; drain() sends it again and the task is idempotent
        log.warning("outbox row of task %s not deleted: %s", task_id, type(exc).__name__)


# --- API tokens follow the account ---------------------------------------------------------------------
# A security rule, not a business rule: whatever path changes a password or deactivates an account
# (the password page, the admin, a management command, a script), the API tokens issued before stop
# working. Checked in pre_save (one read of the stored row, skipped for saves that touch neither field,
# like the last_login update on every login), done in post_save once the change is saved.


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="api-tokens-follow-credentials")
def _note_credential_change(sender, instance, update_fields=None, raw=False, **_kwargs) -> None:
    instance._revoke_api_tokens = False
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return
    old = sender._default_manager.filter(pk=instance.pk).values("password", "is_active").first()
    if old is None:
        return
    instance._revoke_api_tokens = old["password"] != instance.password or (
        old["is_active"] and not instance.is_active
    )


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="api-tokens-revoke")
def _revoke_api_tokens(sender, instance, created=False, **_kwargs) -> None:
    if created or not getattr(instance, "_revoke_api_tokens", False):
        return
    from knox.models import AuthToken

    instance._revoke_api_tokens = False
    revoked, _detail = AuthToken.objects.filter(user_id=instance.pk).delete()
    if revoked:
        log.info(
            "revoked %s API token(s) of user %s (password changed or account deactivated)",
            revoked,
            instance.pk,
        )
