from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Installed only with DEBUG on and in the test suite: `manage.py seed_demo` for `make run`."""

    name = "devtools"
    verbose_name = "Development tools"
