"""Domain errors raised by services; pages show the message, the API returns it as JSON."""


class DomainError(Exception):
    """A rule refused the change. `message` is meant for a person to read."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = str(message)
        self.field = field
        if code:
            self.code = code


class Conflict(DomainError):
    """The change clashes with the current state (a second vote, a closed ballot...)."""

    status_code = 409
    code = "conflict"
