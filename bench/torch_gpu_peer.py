"""PyTorch peer of the cuda engine's cifar-shaped cell, for bench/gpu-check.sh: what a PyTorch user runs on the
GPU instead. One model at a time (the reference's way): MLP 3072-200-ReLU-2, SGD with momentum 0.9, batch 64,
clean adversarial training against PGD-40 linf (eps 0.0305, steps of eps/30, uniform random start, [0,1]
clipping, advertorch's order), the data as one tensor on the GPU with randperm index slices, and the clean
validation loss every epoch. Prints one JSON line; needs a CUDA device.
"""
import json
import time

import torch
import torch.nn.functional as F

assert torch.cuda.is_available(), "no CUDA device"
device = torch.device("cuda")
torch.manual_seed(2)
TRAIN, VALIDATION, FEATURES, EPS, STEPS = 8000, 2000, 3072, 0.0305, 40
x = torch.rand(TRAIN, FEATURES, device=device)
y = torch.randint(0, 2, (TRAIN,), device=device)
x_val = torch.rand(VALIDATION, FEATURES, device=device)
y_val = torch.randint(0, 2, (VALIDATION,), device=device)
model = torch.nn.Sequential(torch.nn.Linear(FEATURES, 200), torch.nn.ReLU(), torch.nn.Linear(200, 2)).to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.005, momentum=0.9)


def pgd(xb, yb):
    delta = (torch.rand_like(xb) * 2 - 1) * EPS
    current = (xb + delta).clamp(0, 1)
    for _ in range(STEPS):
        current.requires_grad_(True)
        (gradient,) = torch.autograd.grad(F.cross_entropy(model(current), yb), current)
        moved = current.detach() + (EPS / 30) * gradient.sign()
        current = (xb + (moved - xb).clamp(-EPS, EPS)).clamp(0, 1)
    return current.detach()


def epoch():
    order = torch.randperm(TRAIN, device=device)
    for start in range(0, TRAIN, 64):
        index = order[start : start + 64]
        xb, yb = x[index], y[index]
        adversarial = pgd(xb, yb)
        optimizer.zero_grad()
        F.cross_entropy(model(adversarial), yb).backward()
        optimizer.step()
    with torch.no_grad():
        F.cross_entropy(model(x_val), y_val).item()


epoch()  # warm-up, not timed
torch.cuda.synchronize()
started = time.perf_counter()
EPOCHS = 2
for _ in range(EPOCHS):
    epoch()
torch.cuda.synchronize()
seconds = time.perf_counter() - started
print(json.dumps({
    "figure": "torch-gpu-one-model",
    "msPerModelEpoch": round(1000 * seconds / EPOCHS, 1),
    "msPerModelStep": round(1000 * seconds / EPOCHS / (TRAIN // 64), 3),
    "device": torch.cuda.get_device_name(0),
    "torch": torch.__version__,
}))
