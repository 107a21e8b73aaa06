"""`python -m helpers.report`: see helpers/report/__init__.py."""

import sys

from helpers.report import main

sys.exit(main())
