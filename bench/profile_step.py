"""Where chainrule's demo step (workload 1a) spends its time, by cProfile.

    .venv/bin/python bench/profile_step.py               # 20 steps, top 25 by own time
    .venv/bin/python bench/profile_step.py --sort cumulative --limit 40

The step is ``ChainruleDemo.step`` from the benchmark itself (nn.MLP, the hinge
loss with autograd.sum, zero_grad, backward, SGD), on the same data and weights.
cProfile adds a cost to every Python call, so it inflates code that makes many
small calls: read the ranking, not the absolute times.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from bench.demo_models import ChainruleDemo  # noqa: E402
from bench.problems import LR, initial_weights, make_moons  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    """Time the step without the profiler, then profile it and print the top entries."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--sort", default="tottime", help="pstats key: tottime, cumulative, ncalls")
    parser.add_argument("--limit", type=int, default=25)
    args = parser.parse_args(argv)

    X, y = make_moons(100)
    demo = ChainruleDemo(initial_weights(), X.tolist(), y.tolist())
    demo.step(LR)   # warm up
    gc.collect()
    gc.freeze()
    start = time.perf_counter()
    for _ in range(args.steps):
        demo.reset()
        demo.step(LR)
    per_step = (time.perf_counter() - start) / args.steps
    print(f"{demo.library}: {per_step * 1e3:.1f} ms per step without the profiler "
          f"(mean of {args.steps}, gc included)")

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.steps):
        demo.reset()
        demo.step(LR)
    profiler.disable()
    pstats.Stats(profiler).strip_dirs().sort_stats(args.sort).print_stats(args.limit)


if __name__ == "__main__":
    main()
