"""Run the development server: ``python run.py [--host H] [--port P] [--debug]`` is ``formflow run`` with the same options."""
import sys

from formflow.cli import cli

if __name__ == "__main__":
    cli.main(args=["run", *sys.argv[1:]], prog_name="run.py")
