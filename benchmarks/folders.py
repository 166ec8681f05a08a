"""The command line of the evaluation scripts: folders of a corpus with its truth."""

from __future__ import annotations

import argparse
from pathlib import Path


def folders_from_arguments(doc: str | None, default: list[str]) -> list[str]:
    """The folders named on the command line, or `default`; --help shows the script's `doc`,
    and a folder that is not there is a usage error, not a traceback."""
    ap = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("folders", nargs="*", metavar="FOLDER", help=f"default: {' '.join(default)}")
    folders: list[str] = ap.parse_args().folders or default
    for folder in folders:
        if not Path(folder).is_dir():
            ap.error(f"{folder}: no such folder")
    return folders
