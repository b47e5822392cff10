"""``python -m formflow ...`` is the ``formflow`` command."""
from formflow.cli import main

main()
