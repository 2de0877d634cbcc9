"""``python -m dlscratch.cli``, as ``python -m dlscratch`` and the ``dlscratch`` script."""

import sys

from dlscratch.cli import main

sys.exit(main())
