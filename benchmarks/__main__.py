"""List the benchmarks, or run some: `python -m benchmarks [name ...|all] [-- args for a single one]`."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import benchmarks


def available() -> dict[str, str]:
    """Benchmark module names with the first line of their docstring."""
    found: dict[str, str] = {}
    for info in pkgutil.iter_modules(benchmarks.__path__):
        if info.name.startswith("_") or info.ispkg:
            continue
        module = importlib.import_module(f"benchmarks.{info.name}")
        found[info.name] = (module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else ""
    return found


def main(argv: list[str]) -> int:
    names = available()
    if not argv:
        print("usage: python -m benchmarks <name ...|all> [-- args]\n")
        for name, summary in sorted(names.items()):
            print(f"  {name:24} {summary}")
        return 0
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1 :]
    chosen = sorted(names) if argv == ["all"] else argv
    unknown = [name for name in chosen if name not in names]
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(sorted(names))}", file=sys.stderr
        )
        return 2
    status = 0
    for name in chosen:
        print(f"== {name}", flush=True)
        # Each in its own process: a clean measurement, and process pools can import its functions.
        done = subprocess.run([sys.executable, "-m", f"benchmarks.{name}", *extra], check=False)
        status = status or done.returncode
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
