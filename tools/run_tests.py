"""Run gradopt's tests and print one closing line `N passed, N failed`.

The tests are the notebooks' cells (run by `nbdev_test`, one notebook per test, `slow` cells skipped unless
`--flags slow`), plus the repository checks: the module is in sync with the notebooks (`nbdev_export`
changes nothing), the notebooks are clean (`nbdev_clean` changes nothing), README.md is generated from
nbs/index.ipynb, the offline docs check (tools/docs_check.py) and its self-test, the wheel as a pip user gets it (built,
installed into a fresh virtual environment beside torch==2.13.0 only, and smoke-tested there), and the code's shape: imports
point down the floors, no unused import, short lines, small functions, no repeated code.

    python tools/run_tests.py [--flags slow] [--workers 2] [--only NAME ...]
"""
import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))


def run(cmd, cwd=ROOT, timeout=900):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    return p.returncode, (p.stdout + p.stderr).strip()


def test_notebook(nb, flags):
    return run(["nbdev_test", "--path", str(nb), "--do_print"] + (["--flags", flags] if flags else []))


def _copy_repo(dst):
    ignore = shutil.ignore_patterns(".git", "_proc", "_docs", "_site*", "*.egg-info", "__pycache__", ".ipynb_checkpoints")
    shutil.copytree(ROOT, dst, ignore=ignore)


def _changed(a, b, rel_dirs, pattern):
    out = []
    for d in rel_dirs:
        for f in sorted((a / d).rglob(pattern)):
            g = b / f.relative_to(a)
            if not g.exists() or not filecmp.cmp(f, g, shallow=False): out.append(str(f.relative_to(a)))
        for g in sorted((b / d).rglob(pattern)):
            if not (a / g.relative_to(b)).exists(): out.append(str(g.relative_to(b)) + " (new)")
    return out


def check_in_sync():
    "nbdev_export and nbdev_clean leave gradopt/ and nbs/ unchanged."
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "repo"; _copy_repo(copy)
        for cmd in (["nbdev_export"], ["nbdev_clean"]):
            rc, out = run(cmd, cwd=copy)
            if rc: return 1, f"{cmd[0]} failed:\n{out}"
        changed = _changed(ROOT, copy, ["gradopt"], "*.py") + _changed(ROOT, copy, ["nbs"], "*.ipynb")
    if changed: return 1, "run nbdev_export and nbdev_clean; these differ: " + ", ".join(changed)
    return 0, "gradopt/ and nbs/ are as nbdev_export and nbdev_clean leave them"


def check_readme():
    "README.md is what tools/make_readme.py generates from nbs/index.ipynb."
    from make_readme import readme_text
    if (ROOT / "README.md").read_text(encoding="utf-8") != readme_text():
        return 1, "README.md is out of date: run python tools/make_readme.py"
    return 0, "README.md matches nbs/index.ipynb"


def check_docs():
    "The offline docs check."
    return run([sys.executable, str(ROOT / "tools" / "docs_check.py")])


def check_docs_check():
    "The docs check catches a site broken on purpose (its --self-test)."
    return run([sys.executable, str(ROOT / "tools" / "docs_check.py"), "--self-test"])


# The exported module's floors: a module may import only from its own floor or lower ones. A module not listed
# is an optimizer (floor 2), so that a new optimizer notebook needs no entry here.
FLOORS = {1: "core conformance sharding specs",
          2: "gravity sign gradient_ascent gradient_equilibrium enhanced_sgd distributed",
          3: "data models problems tasks text segmentation train store stats runner sweeps plots benchmark commands "
             "instruments",
          4: "quickstart gravity_repro enhanced_sgd_ablations speed comparison",
          5: "cli"}
FLOOR_OF = {m: f for f, names in FLOORS.items() for m in names.split()}
MAX_LINE, MAX_COMPLEXITY = 120, 20


def _modules():
    return {f.stem: f for f in sorted((ROOT / "gradopt").glob("*.py")) if f.name not in ("_modidx.py", "__init__.py")}


def _gradopt_imports(path):
    "(module imported, name) for every import of a gradopt module in `path`, lazy ones included."
    import ast
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            target = mod.split(".")[0] if node.level == 1 else mod.split(".")[1] if mod.startswith("gradopt.") else None
            out += [(target, a.name) for a in node.names] if target else []
        elif isinstance(node, ast.Import):
            out += [(a.name.split(".")[1], None) for a in node.names if a.name.startswith("gradopt.")]
    return out


def check_floors():
    "Imports point down the floors (core, optimizers, toolkit, experiments, CLI), no cycles, no private names."
    import graphlib
    mods, problems, graph = _modules(), [], {}
    for m, path in mods.items():
        graph[m] = set()
        for target, name in _gradopt_imports(path):
            graph[m].add(target)
            if FLOOR_OF.get(target, 2) > FLOOR_OF.get(m, 2):
                problems.append(f"{m} (floor {FLOOR_OF.get(m, 2)}) imports {target} (floor {FLOOR_OF.get(target, 2)})")
            if name and name.startswith("_") and not name.startswith("__"):
                problems.append(f"{m} imports the private name {target}.{name}")
    try: graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as e: problems.append(f"import cycle: {' -> '.join(e.args[1])}")
    if problems: return 1, "\n".join(problems)
    return 0, f"{len(mods)} modules on {len(FLOORS)} floors; every import points down, no cycle, no private name"


def check_hygiene():
    f"No unused import (ruff F401), no exported line over {MAX_LINE} characters, no function over complexity {MAX_COMPLEXITY} (radon)."
    from radon.complexity import cc_visit
    mods, problems = _modules(), []
    rc, out = run([sys.executable, "-m", "ruff", "check", "--select", "F401", "--output-format", "concise", "--no-cache",
                   *map(str, mods.values())])
    if rc: problems.append(out)
    for m, path in mods.items():
        text = path.read_text(encoding="utf-8")
        in_all = False  # nbdev writes the module's docstring (the notebook's summary) and its __all__ list itself
        for i, line in enumerate(text.splitlines(), 1):
            in_all = line.startswith("__all__") or (in_all and line.startswith(" "))
            if len(line) > MAX_LINE and not in_all and i > 1: problems.append(f"gradopt/{m}.py:{i}: {len(line)} characters")
        problems += [f"gradopt/{m}.py:{b.lineno}: {b.fullname} has complexity {b.complexity}"
                     for b in cc_visit(text) if b.complexity > MAX_COMPLEXITY]
    if problems: return 1, "\n".join(problems)
    return 0, f"{len(mods)} modules: no unused import, lines <= {MAX_LINE}, complexity <= {MAX_COMPLEXITY}"


def check_duplicates():
    "`duplicates` (where this machine has it) finds no repeated code in gradopt/ (nbdev's index aside)."
    if shutil.which("duplicates") is None: return 0, "skipped: the duplicates command is not on this machine"
    rc, out = run(["duplicates", "--repo", str(ROOT / "gradopt"), "--seconds", "120"])
    pairs = [l for l in out.splitlines() if l[:1] == "D" and l[1:2].isdigit() and "_modidx.py" not in l]
    if rc or pairs: return 1, out
    return 0, "no repeated code in gradopt/"


WHEEL_SMOKE = """
import torch, gradopt
p = torch.nn.Parameter(torch.ones(3)); opt = gradopt.Gravity([p]); p.grad = torch.ones(3); opt.step()
assert not torch.equal(p.detach(), torch.ones(3)), "one Gravity step changed nothing"
assert "Gravity" in gradopt.__all__, gradopt.__all__
print("ok")
"""


def check_wheel():
    "Build sdist and wheel (`python -m build`), install the wheel into a clean venv beside torch==2.13.0 only, use it lean."
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp); dist, venv = tmp / "dist", tmp / "venv"
        src = tmp / "src"; _copy_repo(src)  # build as the release workflow does: the sdist, then the wheel from it
        steps = [([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist)], src),
                 ([sys.executable, "-m", "venv", str(venv)], tmp)]
        for cmd, cwd in steps:
            rc, out = run(cmd, cwd=cwd)
            if rc: return 1, f"{' '.join(cmd[:4])} failed:\n{out}"
        (wheel,) = dist.glob("gradopt-*.whl")
        py, cli = venv / "bin" / "python", venv / "bin" / "gradopt"
        rc, out = run([str(py), "-m", "pip", "install", "-q", "torch==2.13.0", str(wheel)], cwd=tmp)
        if rc: return 1, f"installing the wheel failed:\n{out}"
        rc, out = run([str(py), "-c", WHEEL_SMOKE], cwd=tmp)
        if rc or not out.endswith("ok"): return 1, f"the smoke test failed in the wheel's venv:\n{out}"
        rc, out = run([str(cli), "--help"], cwd=tmp)
        if rc or "usage: gradopt" not in out: return 1, f"gradopt --help failed on a lean install:\n{out}"
        rc, out = run([str(cli), "demo"], cwd=tmp)
        if rc != 2 or 'pip install "gradopt[bench]"' not in out.splitlines()[-1]:
            return 1, f"gradopt demo on a lean install should name the extra it needs (exit 2), got {rc}:\n{out}"
    return 0, f"{wheel.name}: installs beside torch==2.13.0 alone; a step, --help and the missing-extra message work"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flags", default="", help="test flags to run too (e.g. slow)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", nargs="*", help="run only the tests whose names contain one of these")
    args = ap.parse_args(argv)

    tests = {f"notebook {nb.name}": (lambda nb=nb: test_notebook(nb, args.flags))
             for nb in sorted((ROOT / "nbs").glob("*.ipynb")) if not nb.name.startswith("_")}
    tests.update({"module and notebooks in sync": check_in_sync, "README generated from index": check_readme,
                  "offline docs": check_docs, "the docs check catches breakage": check_docs_check,
                  "wheel on a clean venv": check_wheel, "import floors": check_floors, "code hygiene": check_hygiene,
                  "no repeated code": check_duplicates})
    if args.only: tests = {k: v for k, v in tests.items() if any(o in k for o in args.only)}

    def timed(item):
        name, fn = item; t0 = time.time()
        try: rc, out = fn()
        except Exception as e: rc, out = 1, f"{type(e).__name__}: {e}"
        return name, rc, out, time.time() - t0

    failed = []
    with ThreadPoolExecutor(args.workers) as pool:
        for name, rc, out, dt in pool.map(timed, tests.items()):
            print(f"{'PASS' if rc == 0 else 'FAIL'}  {name}  ({dt:.0f}s)", flush=True)
            if rc: failed.append(name); print("      " + out[-4000:].replace("\n", "\n      "), flush=True)
    print(f"{len(tests) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
