"""Demo data from the seed reports (shared/seeds). Filled in by the registry work."""

DEMO_PASSWORD = "demo-Renovation-2026"


def is_loaded() -> bool:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username="street").exists()


def reset(stdout) -> None:
    stdout.write("reset: not implemented yet")


def load(stdout) -> None:
    stdout.write("demo data: registry not loaded yet")


def print_logins(stdout) -> None:
    stdout.write(f"Log in at http://127.0.0.1:8000/accounts/login/ with password {DEMO_PASSWORD}")
