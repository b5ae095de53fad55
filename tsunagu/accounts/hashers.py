"""Password hashing: Argon2id sized for a memory budget per login (see README, Performance)."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class BudgetedArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's first recommended setting: 19 MiB, two passes, one lane.

    Django's default (100 MiB, 8 lanes) cost ≈100 MiB of peak memory per login, so a burst
    of logins could exhaust a small server; this costs ≈19 MiB (measured). The algorithm
    name stays "argon2": existing hashes verify, and are re-hashed with these parameters at
    the member's next login.
    """

    time_cost = 2
    memory_cost = 19_456  # KiB
    parallelism = 1
