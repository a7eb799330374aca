"""`python -m hotline.events [--check]`: regenerate docs/events.md (or only check it is current)."""

from __future__ import annotations

import sys

from hotline.events.doc import DOC, render, write


def main(argv: list[str]) -> int:
    if "--check" in argv:
        if not DOC.exists() or DOC.read_text() != render():
            print(f"{DOC} is out of date: run python -m hotline.events", file=sys.stderr)
            return 1
        return 0
    print(f"{DOC}: {'written' if write() else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
