"""Settings for the benchmarks: production settings (DEBUG off, so Django keeps
no query log), with plain static files so pages render without collectstatic."""

import os

os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from kaikukanta.settings import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = False
LOGGING = {"version": 1, "disable_existing_loggers": False}  # WeasyPrint's progress is noise
