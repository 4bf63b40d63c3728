"""PyTorch peer of adgap's protocol, for `npm run bench`: one model at a time, the tuned loop.

Tuned = what a careful PyTorch user writes instead of the reference's DataLoader: the data as one tensor,
a fresh torch.randperm per epoch cut into index slices of 64 (no per-sample collation). Cross-entropy, clean
adversarial training, and the clean validation loss every epoch as early stopping needs. Prints one JSON object.
- linear: nn.Linear(d, 2), Adam (PyTorch defaults); FGSM, one step of eps * sign(grad), optional [0,1] clipping.
- mlp: the reference's CifarLR, Linear(d, 200), ReLU, Linear(200, 2), SGD with momentum 0.9; PGD (advertorch's
  LinfPGDAttack as the reference calls it): a uniform random start in the eps-ball, `steps` steps of
  `step_size` * sign(grad), each projected onto the ball and clipped to [0,1].
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--features", type=int, required=True)
parser.add_argument("--train", type=int, required=True)
parser.add_argument("--validation", type=int, required=True)
parser.add_argument("--model", choices=["linear", "mlp"], default="linear")
parser.add_argument("--mode", choices=["standard", "fgsm", "pgd"], required=True)
parser.add_argument("--eps", type=float, default=0.0)
parser.add_argument("--steps", type=int, default=0)
parser.add_argument("--step-size", type=float, default=0.0)
parser.add_argument("--clip", action="store_true")
parser.add_argument("--epochs", type=int, required=True)
args = parser.parse_args()

torch.manual_seed(2)
x = torch.rand(args.train, args.features) if args.clip else torch.randn(args.train, args.features)
y = torch.randint(0, 2, (args.train,))
x_val = torch.rand(args.validation, args.features)
y_val = torch.randint(0, 2, (args.validation,))
if args.model == "mlp":
    model = torch.nn.Sequential(
        torch.nn.Linear(args.features, 200), torch.nn.ReLU(), torch.nn.Linear(200, 2)
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
else:
    model = torch.nn.Linear(args.features, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)


def input_gradient(xb, yb):
    xb = xb.clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(F.cross_entropy(model(xb), yb), xb)
    return gradient


def clip(xb):
    return xb.clamp(0, 1) if args.clip else xb


def adversarial(xb, yb):
    if args.mode == "fgsm":
        return clip(xb + args.eps * input_gradient(xb, yb).sign())
    current = clip(xb + torch.empty_like(xb).uniform_(-args.eps, args.eps))
    for _ in range(args.steps):
        moved = current + args.step_size * input_gradient(current, yb).sign()
        current = clip(xb + (moved - xb).clamp(-args.eps, args.eps))
    return current


def epoch():
    order = torch.randperm(args.train)
    for start in range(0, args.train, 64):
        index = order[start : start + 64]
        xb, yb = x[index], y[index]
        if args.mode != "standard":
            xb = adversarial(xb, yb).detach()
        optimizer.zero_grad()
        F.cross_entropy(model(xb), yb).backward()
        optimizer.step()
    with torch.no_grad():
        F.cross_entropy(model(x_val), y_val).item()


epoch()  # warm-up, not timed
started = time.perf_counter()
for _ in range(args.epochs):
    epoch()
seconds = time.perf_counter() - started
print(json.dumps({
    "msPerModelEpoch": 1000 * seconds / args.epochs,
    "torch": torch.__version__,
    "threads": torch.get_num_threads(),
}))
