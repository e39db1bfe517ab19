"""Learning-rate sensitivity on real Fashion-MNIST (npm copy), CPU scale, resumable: an equal tuning budget for all.

    nohup python tools/gravity_lr_sweep.py > nbs/results/gravity_real/lr_sweep.log 2>&1 &

Gravity, Gravity with a constant beta, Adam, RMSprop and SGD with momentum on the setup of tools/gravity_real.py (VGG16 width 1/16, batch 128),
shortened to 2 epochs. Every optimizer gets the same six learning rates, 1e-5 ... 1 (one seed each, chosen on
validation accuracy), then five seeds at its chosen lr, reported on test accuracy (`gradopt.runner.tune`).
Finished runs are saved under nbs/results/gravity_real/lr_sweep/runs, so rerunning the command resumes; the tables
go to nbs/results/gravity_real/lr_sweep/{runs,sensitivity,choice,summary}.csv.
"""
import argparse, dataclasses, sys
from pathlib import Path

import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gravity_real import BASE, OUT, hardware
from gradopt.runner import tune

SETTINGS = {"Gravity": ("Gravity", {}), "Adam": ("torch.Adam", dict(betas=(0.9, 0.999), eps=1e-7)),
            "RMSprop": ("torch.RMSprop", dict(alpha=0.9, eps=1e-7)),
            "SGD-momentum": ("torch.SGD-momentum", dict(momentum=0.9)),
            "Gravity, constant beta": ("Gravity", dict(beta_schedule="constant"))}
LRS = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0]

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    for name in ("epochs", "threads"):
        if getattr(args, name) < 1: ap.error(f"--{name} must be a positive integer, got {getattr(args, name)}")
    torch.set_num_threads(args.threads)
    problem = dataclasses.replace(BASE, epochs=args.epochs).problem("fashion_mnist", "vgg16")
    out = OUT / "lr_sweep"
    tables = {"runs": [], "sensitivity": [], "choice": [], "summary": []}
    for label, (name, fixed) in SETTINGS.items():  # one `tune` per setting: two settings share the optimizer Gravity
        t = tune(problem, {name: fixed}, lrs=LRS, tune_seeds=(0,), seeds=(0, 1, 2, 3, 4), defaults=False, out_dir=out,
                 device="cpu", progress=True)
        for k in tables: tables[k].append(getattr(t, k).assign(setting=label))
    for k, parts in tables.items():
        df = pd.concat(parts, ignore_index=True)
        if k == "runs": df = df.assign(hardware=hardware(), width=BASE.width, batch_size=BASE.batch_size)
        tmp = out / f"{k}.csv.tmp"; df.to_csv(tmp, index=False); tmp.replace(out / f"{k}.csv")
        if k in ("choice", "summary"): print(df.to_string(), flush=True)

if __name__ == "__main__":
    main()
