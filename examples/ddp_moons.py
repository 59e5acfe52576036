"""A chainrule model trained by two processes with PyTorch's DistributedDataParallel.

Run it from the repository root (it needs ``pip install chainrule[torch]``)::

    python -m examples.ddp_moons

1. chainrule trains a small MLP briefly on 200 moons, one sample at a time, as in
   the lessons.
2. One call moves the model to PyTorch (``model.to_torch()``) and one more its
   Adam optimizer, momentum and all (``optimizer.to_torch(...)``).
3. ``torch.multiprocessing.spawn`` starts 2 processes (ranks 0 and 1) on this
   machine.  They meet at 127.0.0.1 on a free port and form a ``gloo`` process
   group (CPU only).  Each epoch a ``DistributedSampler`` deals each rank half of
   2000 moons; after every ``backward()`` DDP averages the gradients of the two
   ranks, so both copies of the model take exactly the same step.
4. Each rank counts its correct predictions on its half of the data;
   ``all_reduce`` adds the counts up, so every rank prints the same accuracy.
5. Rank 0 brings the trained model back with ``nn.MLP.from_torch`` and
   chainrule's own ``predict`` gives the same accuracy.
"""
from __future__ import annotations

import os

# One thread per process: two processes on a two-core machine should not each
# start a thread per core.  Set before torch is imported (here and in each worker,
# which imports this module afresh).
os.environ.setdefault("OMP_NUM_THREADS", "1")

import socket  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402
from torch.nn.parallel import DistributedDataParallel  # noqa: E402
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset  # noqa: E402

import nn  # noqa: E402

WORLD_SIZE = 2
N_SAMPLES = 2000
EPOCHS = 12
BATCH_SIZE = 100  # per rank: each step sees 2 * 100 samples, 10 steps an epoch


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def say(line: str) -> None:
    """Print one whole line at once, so the two ranks' lines never interleave."""
    print(line + "\n", end="", flush=True)


def count_correct(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor) -> int:
    """How many samples the model puts on the right side (logit > 0 means class 1)."""
    with torch.no_grad():
        predicted = (model(X).squeeze(1) > 0).to(y.dtype)
    return int((predicted == y).sum())


def worker(rank: int, port: int, model: nn.MLP, optimizer: nn.optim.Adam,
           X: np.ndarray, y: np.ndarray) -> None:
    """One process: join the group, train its share with DDP, report the shared accuracy."""
    torch.set_num_threads(1)
    os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = "127.0.0.1", str(port)
    dist.init_process_group("gloo", rank=rank, world_size=WORLD_SIZE)
    try:
        torch_model = model.to_torch()                  # the one call: float64, same weights
        ddp_model = DistributedDataParallel(torch_model)
        torch_optimizer = optimizer.to_torch(ddp_model.parameters())  # same Adam state
        data = TensorDataset(torch.from_numpy(X), torch.from_numpy(y.astype(np.float64)))
        sampler = DistributedSampler(data, num_replicas=WORLD_SIZE, rank=rank, shuffle=True, seed=0)
        loader = DataLoader(data, batch_size=BATCH_SIZE, sampler=sampler)
        for epoch in range(EPOCHS):
            sampler.set_epoch(epoch)   # a different shuffle each epoch, the same on both ranks
            for xb, yb in loader:
                torch_optimizer.zero_grad()
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    ddp_model(xb).squeeze(1), yb)
                loss.backward()        # DDP averages the gradients across ranks here
                torch_optimizer.step()

        # Every rank scores its own slice; the sum of the counts is the whole data set's.
        X_all, y_all = data.tensors
        counts = torch.tensor([count_correct(torch_model, X_all[rank::WORLD_SIZE],
                                             y_all[rank::WORLD_SIZE]),
                               len(y_all[rank::WORLD_SIZE])], dtype=torch.int64)
        dist.all_reduce(counts)        # default op: sum
        correct, total = counts.tolist()
        say(f"rank {rank}: accuracy {correct / total:.4f}")

        if rank == 0:
            back = nn.MLP.from_torch(torch_model)       # and home again
            predicted = (back.predict(X) > 0).astype(int)
            say(f"chainrule: accuracy {nn.metrics.accuracy_score(y, predicted):.4f} "
                f"({back!r}, back from PyTorch on rank 0)")
        # Leave together: a rank that tears its connections down while the other is still
        # working can make gloo abort the process (seen on a loaded machine).
        dist.barrier()
    finally:
        dist.destroy_process_group()


def main() -> None:
    """Train briefly in chainrule, then on 2 processes with DDP, then check the way back."""
    X, y = nn.data.make_moons(N_SAMPLES, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], activation="tanh", seed=0)
    optimizer = nn.optim.Adam(model.parameters(), lr=0.02)
    history = nn.fit(model, X[:200], y[:200], loss="bce_with_logits", optimizer=optimizer,
                     epochs=3, batch_size=20, progress=False, seed=0)
    print(f"chainrule, 3 epochs on 200 moons: accuracy {history['accuracy'][-1]:.4f}")
    print(f"DDP: {WORLD_SIZE} processes (gloo, CPU), {EPOCHS} epochs on {N_SAMPLES} moons",
          flush=True)
    mp.spawn(worker, args=(free_port(), model, optimizer, X, y), nprocs=WORLD_SIZE, join=True)


if __name__ == "__main__":
    main()
