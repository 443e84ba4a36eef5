"""Entry point for ``python -m dlpath``."""

from dlpath.cli import main

if __name__ == "__main__":
    main()
