"""`python -m bot.services.matching --corpus FILE`: the duplicate-match CLI, until `lcm-bot` wires it."""

import sys

from bot.services.matching.cli import main

sys.exit(main())
