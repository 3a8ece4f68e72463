"""``python -m malivote``: the ``malivote`` command, for when its script is not on the PATH."""

import sys

from malivote.cli import main

if __name__ == "__main__":  # pragma: no cover - run as a module by the test in a subprocess
    sys.exit(main())
