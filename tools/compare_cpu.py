"""The comparison at CPU scale on the tasks that run here, as notebook 33 reports it (`gradopt.comparison.compare`).

    python tools/compare_cpu.py --task spam_assassin    # a tiny BERT from scratch on the SpamAssassin CSVs, 4 epochs
    python tools/compare_cpu.py --task shapes           # a SimpleUNet on the generated shapes, 8 epochs

Six optimizers, seeds 0-2, one torch thread. Results (the runner's store, results.csv, batches.csv, summary.csv,
curves.png) in nbs/results/compare/<task>/; rerunning resumes. The SpamAssassin CSVs come from
tools/spam_assassin_csv.py.
"""
import argparse
from pathlib import Path

import torch

from gradopt.comparison import compare

OPTIMIZERS = ["sgd", "adam", "adamw", "rmsprop", "enhanced_sgd", "enhanced_sgd_published"]
EPOCHS = {"spam_assassin": 4, "shapes": 8}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", choices=list(EPOCHS), required=True)
    ap.add_argument("--seeds", type=int, default=3); ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    out = Path(__file__).resolve().parent.parent / "nbs" / "results" / "compare" / args.task
    _, _, summary = compare(args.task, OPTIMIZERS, args.seeds, EPOCHS[args.task], out_dir=out, device="cpu")
    print(summary.round(4).to_string())


if __name__ == "__main__":
    main()
