"""`insider`: the command line. Each area registers its own sub-commands; this module only
wires them, turns InsiderError into a one-line message and an exit code."""
from __future__ import annotations

import argparse
import importlib
import sys

from insider.errors import InsiderError

COMMAND_MODULES = (
    "indexer.commands",
    "service.commands",
    "indexer.edgar.commands",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="insider", description="SEC Form 3/4/5 insider-trading data service")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except InsiderError as exc:
        print(f"insider: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("insider: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
