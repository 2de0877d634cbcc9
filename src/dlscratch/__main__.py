import sys

from dlscratch.cli import main

sys.exit(main())
