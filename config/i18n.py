"""Compile every .po catalog to .mo without GNU gettext (pure Python, via polib).

Run as `python -m config.i18n`; `make` runs it before serving and testing. .mo files are not in git.
"""

from pathlib import Path

import polib

BASE = Path(__file__).resolve().parent.parent


def main() -> int:
    count = 0
    for po_path in BASE.glob("**/locale/*/LC_MESSAGES/*.po"):
        if ".venv" in po_path.parts:
            continue
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        count += 1
    return count


if __name__ == "__main__":
    print(f"compiled {main()} message catalog(s)")
