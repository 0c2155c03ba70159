"""``python -m localdev``: the local command line (see localdev/cli.py)."""

import sys

from localdev.cli import main

sys.exit(main())
