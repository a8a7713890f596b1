"""Render-time benchmark of the six official documents (issue: median under 100 ms each).

Run: .venv/bin/python tests/bench/run_letters_bench.py [repetitions]
Renders each document kind from the sample data (the same builders the app uses) and prints a
markdown table of median / p95 / max milliseconds. Not collected by pytest.
"""

import statistics
import sys
import time

from grants import letters


def main(repetitions: int = 30) -> None:
    letters.register_fonts()
    for kind in letters.SPECS:  # warm-up: font subsetting caches, template compilation
        letters.preview(kind)
    print(f"| document | median ms | p95 ms | max ms | size KiB |  (n={repetitions})")
    print("|---|---|---|---|---|")
    for kind, spec in letters.SPECS.items():
        times, size = [], 0
        for _ in range(repetitions):
            start = time.perf_counter()
            pdf = letters.preview(kind)
            times.append((time.perf_counter() - start) * 1000)
            size = len(pdf)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(f"| {spec.title} | {statistics.median(times):.1f} | {p95:.1f} | {times[-1]:.1f} "
              f"| {size / 1024:.0f} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
