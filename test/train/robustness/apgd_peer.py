"""APGD-CE in PyTorch, written from the published pseudo-code (Croce & Hein, ICML 2020, Algorithm 1) to check
src/train/robustness/apgd.ts (test/train/robustness/apgd-peer.test.ts runs it).

Reads a folder the test writes: meta.json (features, hidden, samples, norm, eps, clip, restarts, iterations) and
float32/uint8 little-endian arrays: the MLP Linear(d, hidden)-ReLU-Linear(hidden, 2) in adgap's layout
(w1 [d][hidden], b1, w2 [hidden][2], b2), the samples x [n][d] and labels y [n], and the starts
[restarts][n][d] (before clipping). Prints JSON: per sample, clean correctness, whether APGD broke it and the
largest cross-entropy it found.

Whole batch at once, one thread, float32 iterates and model; the loss is float64 from the float32 logits with
the exact gradient in the logits, as adgap defines it (src/train/robustness/classifier.ts).
"""

import json
import math
import os
import sys

import numpy as np
import torch

torch.set_num_threads(1)

MOMENTUM = 0.75
RHO = 0.75
INITIAL_STEP = 2.0


def load(folder):
    with open(os.path.join(folder, "meta.json")) as f:
        meta = json.load(f)

    def array(name, dtype, shape):
        data = np.fromfile(os.path.join(folder, name), dtype=dtype).reshape(shape)
        return torch.from_numpy(data.copy())

    d, hidden, n, restarts = meta["features"], meta["hidden"], meta["samples"], meta["restarts"]
    model = (
        array("w1.f32", "<f4", (d, hidden)),
        array("b1.f32", "<f4", (hidden,)),
        array("w2.f32", "<f4", (hidden, 2)),
        array("b2.f32", "<f4", (2,)),
    )
    x = array("x.f32", "<f4", (n, d))
    y = array("y.u8", "u1", (n,)).long()
    starts = array("starts.f32", "<f4", (restarts, n, d))
    return meta, model, x, y, starts


def logits_of(model, x):
    w1, b1, w2, b2 = model
    return torch.relu(x @ w1 + b1) @ w2 + b2


def evaluate(model, x, y):
    """Per row: cross-entropy (float64), its input gradient (float32) and whether argmax gives the label."""
    x = x.detach().requires_grad_(True)
    z = logits_of(model, x)
    u = z[:, 1].double() - z[:, 0].double()
    t = torch.where(y == 1, -u, u)
    loss = torch.where(t > 0, t + torch.log1p(torch.exp(-t)), torch.log1p(torch.exp(t)))
    # sigmoid(u) - y without cancellation: the exact slope in z1; z0's is its negative.
    slope = torch.where(y == 1, -1 / (1 + torch.exp(u)), 1 / (1 + torch.exp(-u)))
    (gradient,) = torch.autograd.grad(z, x, grad_outputs=torch.stack([-slope, slope], 1).float())
    # torch.argmax returns the first maximum: a tie goes to class 0.
    correct = z.detach().argmax(1) == y
    return loss.detach(), gradient, correct


def checkpoints(iterations):
    """w_j = ceil(p_j N) <= N, p_0 = 0, p_1 = 0.22, p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06), in hundredths."""
    out, previous, current = [], 0, 22
    while math.ceil(current * iterations / 100) <= iterations:
        w = math.ceil(current * iterations / 100)
        if not out or w > out[-1]:
            out.append(w)
        previous, current = current, current + max(current - previous - 3, 6)
    return out


def row_norm(t):
    return (t**2).sum(1, keepdim=True).sqrt()


def apgd_run(model, x, y, start, norm, eps, clip, iterations):
    """One APGD run from `start` on every row; returns (broken, best loss) per row."""

    def into_box(t):
        return t.clamp(0.0, 1.0) if clip else t

    def project(point):
        if norm == "linf":
            return into_box(torch.min(torch.max(point, x - eps), x + eps))
        delta = point - x
        length = row_norm(delta)
        return into_box(x + delta / (length + 1e-12) * torch.clamp(length, max=eps))

    current = into_box(start.clone())
    loss, gradient, correct = evaluate(model, current, y)
    broken = ~correct
    best, best_gradient, best_loss = current.clone(), gradient.clone(), loss.clone()
    last_loss, best_loss_at_check = loss.clone(), loss.clone()
    increases = torch.zeros_like(loss)
    halved_at_check = torch.zeros_like(correct)
    step = torch.full((x.shape[0], 1), INITIAL_STEP * eps, dtype=torch.float32)
    previous = current.clone()
    marks, last_mark = checkpoints(iterations), 0

    for k in range(1, iterations + 1):
        alpha = 1.0 if k == 1 else MOMENTUM
        last_move = current - previous
        previous = current
        if norm == "linf":
            z = project(current + step * torch.sign(gradient))
        else:
            z = project(current + step * (gradient / (row_norm(gradient) + 1e-12)))
        current = project(current + (z - current) * alpha + last_move * (1 - alpha))

        loss, gradient, correct = evaluate(model, current, y)
        broken |= ~correct
        increases += (loss > last_loss).double()
        last_loss = loss
        improved = loss > best_loss
        best[improved] = current[improved]
        best_gradient[improved] = gradient[improved]
        best_loss = torch.where(improved, loss, best_loss)

        if k in marks:
            # Condition 1: fewer than rho of the steps since the last checkpoint raised the loss. Condition 2:
            # the step was not halved at the last checkpoint and the best loss has not moved since.
            too_few = increases < RHO * (k - last_mark)
            stalled = ~halved_at_check & (best_loss == best_loss_at_check)
            halve = too_few | stalled
            halved_at_check = halve
            best_loss_at_check = best_loss.clone()
            increases.zero_()
            step[halve] /= 2
            current = torch.where(halve[:, None], best, current)
            gradient = torch.where(halve[:, None], best_gradient, gradient)
            last_mark = k
    return broken, best_loss


def main():
    meta, model, x, y, starts = load(sys.argv[1])
    eps, norm, clip = meta["eps"], meta["norm"], meta["clip"]
    _, _, clean_correct = evaluate(model, x, y)
    broken = ~clean_correct
    best_loss = torch.full((x.shape[0],), -math.inf, dtype=torch.float64)
    for restart in range(meta["restarts"]):
        rows = torch.arange(x.shape[0]) if restart == 0 else (~broken).nonzero().squeeze(1)
        if rows.numel() == 0:
            break
        run_broken, run_loss = apgd_run(
            model, x[rows], y[rows], starts[restart][rows], norm, eps, clip, meta["iterations"]
        )
        broken[rows] |= run_broken
        best_loss[rows] = torch.max(best_loss[rows], run_loss)
    json.dump(
        {
            "torch": torch.__version__,
            "cleanCorrect": clean_correct.int().tolist(),
            "broken": broken.int().tolist(),
            "bestLoss": best_loss.tolist(),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
