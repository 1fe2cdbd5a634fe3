"""The WSGI application that gunicorn serves (Dockerfile, bench/world.py).

Loading it also imports every view (the URLconf) and then freezes what is
alive: the modules, their classes and functions, the settings, the URL
patterns. They live as long as the process, but Python's cycle collector
would look at every one of them (about 135,000) in each of its full
collections, a 70 ms pause of the worker on a development machine that
stops the requests waiting for it; frozen, it never looks at them again.
docs/performance.md has the measurements."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaikukanta.settings")
application = get_wsgi_application()


def _freeze_what_lives_as_long_as_the_process() -> None:
    # The views are imported at the first request otherwise, and their
    # objects would stay in the collector's sight.
    get_resolver().url_patterns  # noqa: B018 (imports the URLconf)
    gc.collect()
    # With gunicorn's --preload this runs once in the master before it forks
    # its workers, and the frozen objects' pages stay shared between them.
    gc.freeze()


_freeze_what_lives_as_long_as_the_process()
