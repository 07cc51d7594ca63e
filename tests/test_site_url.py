"""Links and QR codes on printed documents point at the site actually served: SITE_URL, whose default
follows the port `make run` serves (PORT), so PORT=8781 never prints slips pointing at :8000."""

import os
import subprocess
import sys

from django.conf import settings


def _site_url(**env) -> str:
    base = {k: v for k, v in os.environ.items() if k not in ("PORT", "SITE_URL")}
    code = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    return out.stdout.strip().splitlines()[-1]


def test_default_follows_the_port_served():
    assert _site_url(PORT="8781") == "http://127.0.0.1:8781"
    assert _site_url() == "http://127.0.0.1:8000"


def test_production_setting_wins():
    assert _site_url(PORT="8781", SITE_URL="https://reno.example.gov.cn/") == "https://reno.example.gov.cn"


def test_make_passes_the_port_to_what_it_runs():
    env = {k: v for k, v in os.environ.items() if k != "PORT"}
    probe = ["make", "-s", "--no-print-directory", "--eval", "port-probe: ; @echo $$PORT", "port-probe"]
    run = lambda *extra: subprocess.run(  # noqa: E731
        [*probe, *extra], env=env, capture_output=True, text=True, check=True, cwd=settings.BASE_DIR
    ).stdout.strip()
    assert run() == "8000"
    assert run("PORT=8781") == "8781"
