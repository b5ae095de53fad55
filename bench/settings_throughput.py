"""Settings of `tsunagu serve` under bench/throughput.py: the project's, with the no-op staff
view of bench/stats.py added to the URLs (bench/trivial_urls.py). The repository's root must
be on PYTHONPATH for the gunicorn workers to import `bench`; bench/throughput.py sets it."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.trivial_urls"
