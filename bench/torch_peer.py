"""PyTorch peer of adgap's protocol, for `npm run bench`: one model at a time, the tuned loop, one thread.

Tuned = what a careful PyTorch user writes instead of the reference's DataLoader: the data as one tensor,
a fresh torch.randperm per epoch cut into index slices of 64 (no per-sample collation). Cross-entropy, clean
adversarial training, and every epoch what adgap's epoch driver computes: the clean validation loss (early
stopping) and, under adversarial training, the validation loss under the training attack (the robust-val
selection rule's checkpoint), so that both sides do the same work. Prints one JSON object.
- linear: nn.Linear(d, 2), Adam (PyTorch defaults); FGSM, one step of eps * sign(grad), optional [0,1] clipping.
- mlp: the reference's CifarLR, Linear(d, 200), ReLU, Linear(200, 2), SGD with momentum 0.9; PGD (advertorch's
  LinfPGDAttack as the reference calls it): a uniform random start in the eps-ball, `steps` steps of
  `step_size` * sign(grad), each projected onto the ball and clipped to [0,1].
One thread (torch.set_num_threads(1); the bench also sets OPENBLAS_NUM_THREADS=1): on these small products two
threads make PyTorch slower, so one model per core is its best use of a machine, and the bench compares it with
adgap per core. It reports which BLAS it computed on (a reference BLAS is no fair peer: the bench then prints
no ratio) and each epoch's wall and CPU time; the fastest epoch is its figure.
"""
import argparse
import ctypes
import json
import os
import re
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)

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
    if args.mode != "standard":
        attacked = adversarial(x_val, y_val).detach()
        with torch.no_grad():
            F.cross_entropy(model(attacked), y_val).item()


def blas():
    """The BLAS torch's products run on: linked into torch (pip's wheels: MKL), or the library whose sgemm_
    torch's own library binds to (the dynamic linker's answer, whatever other BLAS-like libraries are loaded)."""
    info = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    linked = info.group(1) if info else "unknown"
    if linked != "generic":
        kind = linked if linked in ("mkl", "openblas", "blis") else "unknown"
        return {"kind": kind, "library": f"linked into torch (BLAS_INFO={linked})"}
    regions = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            if len(fields) == 6:
                start, end = (int(x, 16) for x in fields[0].split("-"))
                regions.append((start, end, fields[5]))
    libtorch = next(path for _, _, path in regions if "libtorch_cpu" in path)
    address = ctypes.cast(ctypes.CDLL(libtorch).sgemm_, ctypes.c_void_p).value
    library = next(path for start, end, path in regions if start <= address < end)
    found = {"library": library}
    for kind in ("openblas", "mkl", "blis"):
        if kind in library:
            found["kind"] = kind
            break
    else:
        # Debian's reference (Netlib) BLAS: libblas.so.3 in .../blas/.
        found["kind"] = "reference" if os.path.basename(library).startswith("libblas.so") else "unknown"
    if found["kind"] == "openblas":
        openblas = ctypes.CDLL(library)
        openblas.openblas_get_config.restype = ctypes.c_char_p
        found["config"] = openblas.openblas_get_config().decode()
        found["threads"] = openblas.openblas_get_num_threads()
    return found


epoch()  # warm-up, not timed
wall, cpu = [], []
for _ in range(args.epochs):
    started, started_cpu = time.perf_counter(), time.process_time()
    epoch()
    wall.append(1000 * (time.perf_counter() - started))
    cpu.append(1000 * (time.process_time() - started_cpu))
print(json.dumps({
    "msPerModelEpoch": min(wall),
    "medianMsPerModelEpoch": sorted(wall)[len(wall) // 2],
    "cpuMsPerModelEpoch": min(cpu),
    "torch": torch.__version__,
    "threads": torch.get_num_threads(),
    "blas": blas(),
}))
