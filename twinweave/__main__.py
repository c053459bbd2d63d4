"""``python -m twinweave``: the same as the ``twinweave`` command."""

from twinweave.cli import main

raise SystemExit(main())
