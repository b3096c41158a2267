"""`python -m nlu ...`: see `nlu.cli`."""

import sys

from nlu.cli import main

if __name__ == "__main__":
    sys.exit(main())
