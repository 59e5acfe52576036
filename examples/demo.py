"""The main demo: the chain rule on z = (x + y)**2, then a network trained on two moons.

Run it with ``make demo``.  Everything it draws goes into one folder (``out/`` by
default, or the folder given as the first argument), and it prints where.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

import autograd
from autograd import Value
import nn


def chain_rule(out_dir: Path) -> None:
    print("1. The chain rule by machine: z = (x + y)**2 at x = 1, y = 2\n")
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    w = x + y
    w.label = "w"
    z = w ** 2
    z.label = "z"
    z.backward()
    for node in autograd.topological_order(z):
        print(f"   {node.label}: data = {node.data:g}, grad = {node.grad:g}")
    steps = autograd.backward_steps(z)
    print("\n   The backward pass, step by step:\n")
    print("   " + str(steps).replace("\n", "\n   "))
    print(f"\n   {steps.chain_rule(x)}")
    print(f"   finite differences agree: {autograd.gradcheck(lambda a, b: (a + b) ** 2, [1.0, 2.0])}")

    graph = autograd.draw_graph(z)
    svg = Path(graph.render(out_dir / "z_graph", format="svg", cleanup=True))
    frames = autograd.backward_frames(steps)
    html = frames.save_html(out_dir / "z_backward_steps.html")
    print(f"\n   computation graph: {svg}")
    print(f"   backward pass, {len(frames)} frames: {html}\n")


def moons(out_dir: Path) -> None:
    print("2. A network on two moons: MLP(2, [16, 16, 1]) with ReLU, hinge loss\n")
    X, y = nn.data.make_moons(100, noise=0.1, seed=1)
    targets = 2.0 * y - 1.0  # hinge loss wants labels -1 and +1
    model = nn.MLP(2, [16, 16, 1], activation="relu", seed=1)
    print(model.summary())
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    start = time.perf_counter()
    history = nn.fit(model, X, targets, loss="hinge", optimizer=optimizer, epochs=100,
                     batch_size=100, seed=1)
    scalar_seconds = time.perf_counter() - start
    predictions = np.where(model.predict(X) > 0, 1.0, -1.0)
    print(f"\n   training accuracy: {nn.metrics.accuracy_score(targets, predictions):.0%}")

    # The same training again, replaying one sample's recorded graph over the batch.
    replayed = nn.MLP(2, [16, 16, 1], activation="relu", seed=1)
    optimizer = nn.optim.SGD(replayed.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    start = time.perf_counter()
    nn.fit(replayed, X, targets, loss="hinge", optimizer=optimizer, epochs=100, batch_size=100,
           seed=1, progress=False, replay=True)
    replay_seconds = time.perf_counter() - start
    largest_difference = max(abs(a.data - b.data)
                             for a, b in zip(model.parameters(), replayed.parameters()))
    print(f"   the same 100 epochs by tape replay (fit(..., replay=True)): {replay_seconds:.2f} s "
          f"instead of {scalar_seconds:.2f} s; weights differ by at most {largest_difference:.1e}")

    from nn import plots
    boundary = out_dir / "moons_decision_boundary.png"
    plots.plot_decision_boundary(model, X, targets).savefig(boundary)
    curves = out_dir / "moons_training_curves.png"
    plots.plot_history(history).savefig(curves)
    print(f"   decision boundary: {boundary}")
    print(f"   training curves:   {curves}")


def main(argv: list[str]) -> None:
    out_dir = Path(argv[1] if len(argv) > 1 else "out").resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    chain_rule(out_dir)
    moons(out_dir)
    print(f"\nEverything is in {out_dir}")


if __name__ == "__main__":
    main(sys.argv)
