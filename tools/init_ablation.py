"""Both readings of the Bayesian initialisation on the generated shapes, as notebook 33 reports them
(`gradopt.comparison.init_ablation`).

    nohup python tools/init_ablation.py > /tmp/init_ablation.log 2>&1 &

The six settings of INIT_ABLATION, seeds 0-9, 8 epochs, one torch thread. Results (the runner's store, results.csv,
summary.csv) in nbs/results/compare/init_ablation/; rerunning resumes.
"""
import argparse
from pathlib import Path

import torch

from gradopt.comparison import init_ablation


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10); ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    out = Path(__file__).resolve().parent.parent / "nbs" / "results" / "compare" / "init_ablation"
    _, _, summary = init_ablation("shapes", args.seeds, out_dir=out, device="cpu")
    print(summary.round(4).to_string())


if __name__ == "__main__":
    main()
