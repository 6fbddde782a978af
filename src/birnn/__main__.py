"""`python -m birnn <stage>`: the same entry point as the `birnn` command."""

from birnn.cli import main

raise SystemExit(main())
