"""``python -m deltanet``: the ``deltanet`` command, without the console script."""

import sys

from deltanet.cli import main

if __name__ == "__main__":
    sys.exit(main())
