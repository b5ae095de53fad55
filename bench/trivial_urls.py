"""URLconf for a served benchmark: the project's URLs plus the no-op staff view of
bench/stats.py at `m/<code>/bench-trivial/` (named by bench/settings_throughput.py)."""

from bench.stats import trivial_urlpatterns
from config.urls import handler500  # noqa: F401 (Django reads it from the URLconf)

urlpatterns = trivial_urlpatterns()
