"""``python -m spatial ...``: the ``spatial`` command where the console script is not on the PATH
(a virtualenv not activated, a locked-down office PC)."""

import sys

from spatial.cli import main

if __name__ == "__main__":
    sys.exit(main())
