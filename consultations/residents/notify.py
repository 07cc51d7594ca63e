"""Messages to residents from the residents' page (sent through the notification outbox, piece 5)."""

from __future__ import annotations


def booking_confirmed(household, slot) -> None:
    """Placeholder until the notification outbox lands: nothing is sent yet."""
    return None
