"""``python -m parceldesk``."""

from parceldesk.entrypoints.cli.app import main

main()
