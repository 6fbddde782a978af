"""`python -m birnn <stage>`: the same entry point as the `birnn` command."""

from birnn.entry import main

raise SystemExit(main())
