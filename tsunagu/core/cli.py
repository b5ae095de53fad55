"""The `tsunagu` command: Django's management commands with Tsunagu's names and clear errors."""

import os
import sys

# `tsunagu import consultations` reads well, but `import` cannot be a module name.
ALIASES = {"import": "import_data"}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ALIASES:
        args[0] = ALIASES[args[0]]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["tsunagu", *args])
    except ImproperlyConfigured as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
