"""``python -m geo`` runs the GeoCRM command line."""

from geo.cli import main

raise SystemExit(main())
