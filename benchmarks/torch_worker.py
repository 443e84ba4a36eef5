"""The PyTorch side of the epoch benchmarks, run by the interpreter that has torch (never imported by dlpath).

Started by ``bench_digits_epoch.py`` or ``bench_autoencoder_epoch.py`` as a subprocess:

    python torch_worker.py digits|autoencoder SETUP.npz

SETUP.npz holds the training inputs, targets, starting weights and hyperparameters the NumPy side
uses. The worker builds the same network and mini-batch loop the usual PyTorch way (``nn.Module``,
autograd, ``optim.SGD``, a fresh ``randperm`` shuffle each epoch), then answers each line "EPOCHS" on
stdin with one line: the seconds those epochs took, and the mean cost of the last one.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import torch


def digits_model(setup, dtype):
    layers = []
    weights = [(setup[f"W{i}"], setup[f"b{i}"]) for i in range(int(setup["n_layers"]))]
    for i, (W, b) in enumerate(weights):
        linear = torch.nn.Linear(*W.shape, dtype=dtype)
        with torch.no_grad():  # the same starting weights (torch stores W transposed)
            linear.weight.copy_(torch.tensor(W.T))
            linear.bias.copy_(torch.tensor(b))
        layers.append(linear)
        if i < len(weights) - 1:
            layers.append(torch.nn.ReLU() if str(setup["activation"]) == "relu" else torch.nn.Sigmoid())
    return torch.nn.Sequential(*layers), torch.nn.CrossEntropyLoss()  # softmax + mean log-likelihood


class DenoisingAutoencoder(torch.nn.Module):
    """64-H-64 sigmoid units with tied weights: h = σ(x̃W + b), z = σ(hWᵀ + b′)."""

    def __init__(self, W, b, b_prime, dtype):
        super().__init__()
        self.W = torch.nn.Parameter(torch.tensor(W, dtype=dtype))
        self.b = torch.nn.Parameter(torch.tensor(b, dtype=dtype))
        self.b_prime = torch.nn.Parameter(torch.tensor(b_prime, dtype=dtype))

    def forward(self, x_tilde):
        h = torch.sigmoid(x_tilde @ self.W + self.b)
        return torch.sigmoid(h @ self.W.T + self.b_prime)


def main() -> None:
    kind, setup_path = sys.argv[1], sys.argv[2]
    setup = dict(np.load(setup_path))
    dtype = torch.float64 if str(setup["dtype"]) == "float64" else torch.float32
    threads = int(setup["threads"])
    if threads > 0:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    X = torch.tensor(setup["X"], dtype=dtype)
    lr, batch_size = float(setup["lr"]), int(setup["batch_size"])
    if kind == "digits":
        model, cost = digits_model(setup, dtype)
        targets = torch.tensor(setup["labels"], dtype=torch.long)
    else:
        model = DenoisingAutoencoder(setup["W"], setup["b"], setup["b_prime"], dtype)
        bce = torch.nn.BCELoss(reduction="sum")
        noise = float(setup["noise"])

        def cost(reconstruction, x):  # summed over the pixels, mean over the batch, as dlpath's
            return bce(reconstruction, x) / len(x)

        targets = X
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    n = len(X)

    def epoch() -> float:
        order = torch.randperm(n)
        Xs, Ts = X[order], targets[order]
        total = 0.0
        for start in range(0, n, batch_size):
            xb, tb = Xs[start : start + batch_size], Ts[start : start + batch_size]
            if kind == "digits":
                inputs = xb
            else:  # masking noise: each input pixel set to 0 with probability `noise`
                inputs = xb * (torch.rand_like(xb) >= noise)
            optimizer.zero_grad()
            loss = cost(model(inputs), tb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        return total / n

    print(f"ready {torch.__version__} {torch.get_num_threads()}", flush=True)
    for line in sys.stdin:
        epochs = int(line)
        start = time.perf_counter()
        for _ in range(epochs):
            last = epoch()
        print(f"{time.perf_counter() - start} {last}", flush=True)


if __name__ == "__main__":
    main()
