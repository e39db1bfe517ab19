"""The comparison at CPU scale on the tasks that run here, as notebook 33 reports it (`gradopt.comparison.compare`).

    python tools/compare_cpu.py --task spam_assassin    # a tiny BERT from scratch on the SpamAssassin CSVs, 4 epochs
    python tools/compare_cpu.py --task shapes           # a SimpleUNet on the generated shapes, 8 epochs
    python tools/compare_cpu.py --task shapes --fresh-processes --seeds 5   # memory: each run in a new process

Six optimizers, seeds 0-2, one torch thread. Results (the runner's store, results.csv, batches.csv, summary.csv,
curves.png) in nbs/results/compare/<task>/ (with --fresh-processes: <task>_fresh/); rerunning resumes. The
SpamAssassin CSVs come from tools/spam_assassin_csv.py.

--fresh-processes starts a new Python process for every run (seed by seed, optimizer by optimizer), so that the
resident memory a run records does not include what earlier runs left in the allocator. Each process asks
`compare` for seeds 0..k of one optimizer; the runs already saved are loaded, so it trains seed k only.
"""
import argparse
import subprocess
import sys
from pathlib import Path

import torch

from gradopt.comparison import compare

OPTIMIZERS = ["sgd", "adam", "adamw", "rmsprop", "enhanced_sgd", "enhanced_sgd_published"]
EPOCHS = {"spam_assassin": 4, "shapes": 8}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", choices=list(EPOCHS), required=True)
    ap.add_argument("--seeds", type=int, default=3); ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--fresh-processes", action="store_true", help="every run in a new process (memory)")
    ap.add_argument("--optimizers", default=",".join(OPTIMIZERS), help=argparse.SUPPRESS)  # one process's share
    ap.add_argument("--out-dir", type=Path, default=None, help=argparse.SUPPRESS)  # and where it goes
    args = ap.parse_args(argv)
    if args.seeds < 1: ap.error(f"--seeds must be a positive integer, got {args.seeds}")
    torch.set_num_threads(args.threads)
    out = args.out_dir or Path(__file__).resolve().parent.parent / "nbs" / "results" / "compare" / args.task
    if args.fresh_processes:
        out = out.with_name(f"{args.task}_fresh")
        for seed in range(args.seeds):
            for o in OPTIMIZERS:
                cmd = [sys.executable, __file__, "--task", args.task, "--seeds", str(seed + 1), "--threads",
                       str(args.threads), "--optimizers", o, "--out-dir", str(out)]
                subprocess.run(cmd, check=True)
    _, _, summary = compare(args.task, args.optimizers.split(","), args.seeds, EPOCHS[args.task], out_dir=out,
                            device="cpu")
    print(summary.round(4).to_string())


if __name__ == "__main__":
    main()
