"""`python -m kvnet` is the `kvnet` command."""

from kvnet.cli import program

program()
