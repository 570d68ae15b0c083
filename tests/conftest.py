"""Test-session setup shared by every folder."""

import os

# The command line's consoles read the terminal width when they are built (rich), and pytest-xdist
# workers inherit COLUMNS=80 from their start-up: without it, the width a test's CliRunner sets is the
# one its command prints with, as in a plain pytest run.
os.environ.pop("COLUMNS", None)
