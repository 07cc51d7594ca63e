from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "communities"
    verbose_name = _("Communities registry")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from config.outage import on_connection_created

        from . import (
            signals,  # noqa: F401  (outbox drain on worker start; API tokens follow the account)
            users,
        )

        users.install()

        connection_created.connect(on_connection_created, dispatch_uid="database-available")
