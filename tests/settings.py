"""Settings for the test suite: production settings with a test secret, plain
HTTP and fast password hashing. The database comes from DATABASE_URL as in
production (SQLite when unset, PostgreSQL in the second CI run)."""

import os

os.environ.setdefault(
    "SECRET_KEY", "test-only-secret-key-that-is-long-enough-for-django-checks-0123456789"
)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from kaikukanta.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405 (WhiteNoise warns when it is missing)
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Lockouts are tested on their own; other tests log in freely.
AXES_ENABLED = False
