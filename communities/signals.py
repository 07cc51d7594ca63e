import contextlib

from celery.signals import worker_ready


@worker_ready.connect
def drain_outbox_on_start(**_kwargs) -> None:
    """A worker coming up sends whatever piled up while the broker was away."""
    from .outbox import drain

    with contextlib.suppress(Exception):  # the database may not be ready yet; beat drains later
        drain()
