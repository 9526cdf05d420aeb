"""``python -m dsr.cli`` is the same as the ``dsr`` console script."""

from dsr.cli import main

main(prog_name="dsr")
