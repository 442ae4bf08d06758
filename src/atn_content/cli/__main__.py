"""`python -m atn_content.cli`."""

import sys

from atn_content.cli.main import main

sys.exit(main())
