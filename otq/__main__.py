"""Allow ``python -m otq``."""

from otq.cli import main

raise SystemExit(main())
