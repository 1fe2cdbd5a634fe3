"""Settings for bench/recording.py's app server: the production settings of
bench/server_settings.py, with the benchmark's own URLconf (bench/load_urls.py:
the project's URLs plus the floor and the trivial view, which production
never serves)."""

from bench.server_settings import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
