"""`python -m benchmarks [command] [options]`: see benchmarks.cli."""

from benchmarks.cli import main

raise SystemExit(main())
