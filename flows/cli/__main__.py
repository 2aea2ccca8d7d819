"""``python -m flows.cli``: the ``anq`` command without its console script."""

from flows.cli import main

raise SystemExit(main())
