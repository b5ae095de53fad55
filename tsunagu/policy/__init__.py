"""Who may see what: permissions, the bases on which rows are visible, and the access log.

The one place that answers "may this member do X?" (`can`, `require`) and "which rows of model
M may this member see, and on which basis?" (`visible`, `bases_of`). Each domain registers its
bases in one module of this package (listed in `registry.RULE_MODULES`; see `casework.py`);
views, selectors and the API ask here and never compare role names themselves. Reads are
recorded by `one` and `shown`, so an access function cannot forget the access log.
"""

from tsunagu.policy.recording import (
    access_logged,
    flush,
    reads_collected,
    record,
    record_reads,
    record_seen,
)
from tsunagu.policy.registry import (
    EVERY_ROW,
    Basis,
    bases_of,
    can,
    one,
    register,
    require,
    shown,
    subject,
    visible,
    visible_through,
)

__all__ = [
    "EVERY_ROW",
    "Basis",
    "access_logged",
    "bases_of",
    "can",
    "flush",
    "one",
    "reads_collected",
    "record",
    "record_reads",
    "record_seen",
    "register",
    "require",
    "shown",
    "subject",
    "visible",
    "visible_through",
]
