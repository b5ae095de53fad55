#!/usr/bin/env python
"""Django's manage.py, going through the same entry point as the `tsunagu` command."""

import sys

from tsunagu.core.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
