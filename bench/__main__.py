"""`make bench`: run every bench/bench_*.py and print one line per figure.

Each module exposes run() -> list[Result]. A figure is a ratio against a baseline measured in the
same process and the same run, so a noisy machine slows both sides alike.
"""

import importlib
import os
import pkgutil
import sys
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Production settings with the suite's throw-away keys (DEBUG=0 refuses to start without keys of its own).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


def main(selected):
    django.setup()
    from bench.common import print_result

    failed = False
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    for name in names:
        if selected and not any(s in name for s in selected):
            continue
        module = importlib.import_module(f"bench.{name}")
        for result in module.run():
            print_result(result)
            failed |= not result.passed
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
