"""``python -m spatial.cli``: the same as the ``spatial`` command."""

import sys

from spatial.cli import main

sys.exit(main())
