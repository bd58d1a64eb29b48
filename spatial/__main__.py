"""``python -m spatial``: the same as the ``spatial`` command (and ``python -m spatial.cli``)."""

import sys

from spatial.cli import main

sys.exit(main())
