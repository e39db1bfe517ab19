"""Offline check of the documentation site, as far as a machine without Quarto allows.

    python tools/docs_check.py               # from the repo root; exit 1 on any failure
    python tools/docs_check.py --self-test   # break a temp copy eleven ways and show each is caught

0. Every `$...$` and `$$...$$` span in the notebooks' markdown is TeX that parses (latex2mathml), and no cell
   leaves a `$` unpaired (which would make the renderer pair the wrong dollars).
   The prose cites no file that the repository lacks (unless the cell links to the public source, or the code
   reads or writes a file of that name) and no issue ("(issue 9)"); no output shows leftover "not yet"/TODO text
   or plain decimals in scientific notation (9.011000e-01).
1. Process the notebooks as `nbdev_docs` does (nbdev's `nbdev_proc_nbs`, in a temp copy of the repo, so
   nothing in the work tree changes; the one step left out is nbdev's "install Quarto", which on a machine
   without Quarto runs `sudo`, curl and `pip install -e .[dev]`).
2. Render `_proc/` with smalldocs (pure-Python renderer of a `_quarto.yml` site), honouring nbdev's
   `output-file` (00_core.ipynb -> core.html, as Quarto names it), into `_site_check/site/`.
3. Load every page in headless Chromium (one run per page, in parallel) and check: the page is there and
   has content; every sidebar entry has a notebook and a page; the API sections (show_doc headings, and
   every function/class in the module's `__all__`) are on the page; every figure of the notebook's outputs
   is on the page and no <img> is broken (naturalWidth measured after load by an injected script); no link
   between pages, or anchor, is broken (links to the site's own URL count as internal); no cell output
   shows a traceback; no code, output or table block is wider than the page's column in a 1280x1600 window
   (its scrollWidth above its clientWidth, or its right edge past the column's): it would be cut off or scroll.
4. Screenshot the home page to `_site_check/home.png` (1280x1600).

`main() -> int` returns the number of failures. Without `chromium` on PATH it prints
"skipped: chromium not found" and returns 0, unless the environment variable CI is set (then it fails).
"""
import argparse
import ast
import base64
import html.parser
import json
import os
import posixpath
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
OUT_NAME = "_site_check"
CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CHROME_TIMEOUT = 60
PAGE_EXTS = (".ipynb", ".qmd", ".md")
IMG_MIMES = ("image/png", "image/jpeg", "image/gif")
# The order in which the renderer picks one representation of an output (smalldocs, as Quarto)
DISPLAY_ORDER = ["text/html", "image/svg+xml", "image/png", "image/jpeg", "image/gif", "text/markdown", "text/latex", "text/plain"]
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|\[(?:\d{1,3};)*\d{1,3}m(?=\S)")
ERROR_LINE = re.compile(r"^\s*([A-Za-z_][\w.]*(?:Error|Exception|Interrupt)\b.*)$", re.M)
# Marks every <img> with its naturalWidth once the page (and its images) has loaded; read back with --dump-dom.
# Marks every code, output and table block of the main column that is wider than itself or than the column
# (data-check-wide="content width/visible width"), in a window of WINDOW.
PROBE = """<script>window.addEventListener("load", function () {
  document.querySelectorAll("img").forEach(function (i) {
    i.setAttribute("data-check-nw", i.complete ? String(i.naturalWidth) : "-1"); });
  var main = document.querySelector("main") || document.body, right = main.getBoundingClientRect().right;
  main.querySelectorAll("pre, div.cell-output, table").forEach(function (e) {
    if (e.scrollWidth > e.clientWidth + 2 || e.getBoundingClientRect().right > right + 2)
      e.setAttribute("data-check-wide", e.scrollWidth + "/" + Math.min(e.clientWidth, Math.round(right - e.getBoundingClientRect().left)));
  });
  document.documentElement.setAttribute("data-check-loaded", "1");
});</script>"""
WINDOW = "1280,1600"  # a laptop screen: the page's main column is about 630 px wide in it
PROBE_PREFIX = "_check_probe_"
PROC_CODE = """
import nbdev.quarto as q
q._ensure_quarto = lambda: None  # nbdev_docs would install Quarto here (sudo, curl, pip install -e .[dev])
q.nbdev_proc_nbs.__wrapped__()
"""


# ------------------------------------------------------------------ a tiny DOM, from Chromium's --dump-dom
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}


class Node:
    __slots__ = ("tag", "attrs", "children", "parent")

    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.children, self.parent = tag, dict(attrs), [], parent

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node): yield from c.iter()

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def classes(self):
        return (self.attrs.get("class") or "").split()

    def ancestor(self, pred):
        n = self.parent
        while n is not None and not pred(n): n = n.parent
        return n


class _Builder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None); self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, [(k, v or "") for k, v in attrs], self.cur); self.cur.children.append(n)
        if tag not in VOID: self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, [(k, v or "") for k, v in attrs], self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag: n = n.parent
        if n is not None and n.parent is not None: self.cur = n.parent

    def handle_data(self, data):
        if self.cur.tag not in ("script", "style"): self.cur.children.append(data)


def parse_dom(text):
    b = _Builder(); b.feed(text); b.close(); return b.root


# ------------------------------------------------------------------ helpers
class Report:
    def __init__(self):
        self.groups = []  # (name, summary, problems)

    def add(self, name, summary, problems, notes=()):
        self.groups.append((name, summary, problems))
        print(f"{'PASS' if not problems else 'FAIL'}  {name:<11} {summary if not problems else f'{len(problems)} problem(s)'}", flush=True)
        for p in problems: print(f"      - {p}", flush=True)
        for n in notes: print(f"      note: {n}", flush=True)

    @property
    def failures(self):
        return sum(len(p) for _, _, p in self.groups)


def short(s, n=90):
    s = " ".join(str(s).split())
    return s if len(s) <= n else s[:n - 3] + "..."


def copy_repo(dst):
    ignore = shutil.ignore_patterns(".git", "_proc", "_docs", "_site*", "*.egg-info", "__pycache__", ".ipynb_checkpoints")
    shutil.copytree(ROOT, dst, ignore=ignore)


def cell_opts(src):
    "The `#| key: value` options at the top of a code cell."
    lines = []
    for line in src.splitlines():
        if not line.startswith("#|"): break
        lines.append(line[2:].strip())
    try:
        import yaml
        d = yaml.safe_load("\n".join(lines)) if lines else {}
    except Exception:
        d = {}
    return d if isinstance(d, dict) else {}


def src_of(cell):
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def joined(v):
    return "".join(v) if isinstance(v, list) else (v or "")


def front_matter(nb):
    "The YAML front matter nbdev puts in the first (raw) cell of a processed notebook."
    import yaml
    for c in nb.get("cells", [])[:2]:
        m = re.match(r"\s*---\s*\n(.*?)\n---", src_of(c), re.S)
        if m:
            try: return yaml.safe_load(m.group(1)) or {}
            except Exception: return {}
    return {}


def sidebar_entries(obj):
    "Every page file named in a sidebar.yml `contents` tree."
    out = []
    if isinstance(obj, str):
        out.append(obj)
    elif isinstance(obj, list):
        for x in obj: out += sidebar_entries(x)
    elif isinstance(obj, dict):
        for k in ("href", "file"):
            if isinstance(obj.get(k), str): out.append(obj[k])
        for k in ("contents", "menu"):
            if k in obj: out += sidebar_entries(obj[k])
    return [e for e in out if e.endswith(PAGE_EXTS)]


def module_api(py):
    "Names in `__all__` of a module file that are functions or classes (which show_doc documents), and the others."
    tree = ast.parse(py.read_text(encoding="utf-8"))
    names, defs = [], set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): defs.add(node.name)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            try: names = list(ast.literal_eval(node.value))
            except Exception: pass
    return [n for n in names if n in defs], [n for n in names if n not in defs]


def image_size(b64):
    "Width and height of a base64 PNG/JPEG/GIF, or None when the bytes are not a readable image."
    try: b = base64.b64decode(re.sub(r"\s+", "", b64), validate=False)
    except Exception: return None
    size = None
    if b[:8] == b"\x89PNG\r\n\x1a\n" and b[12:16] == b"IHDR": size = int.from_bytes(b[16:20], "big"), int.from_bytes(b[20:24], "big")
    elif b[:6] in (b"GIF87a", b"GIF89a") and len(b) > 10: size = int.from_bytes(b[6:8], "little"), int.from_bytes(b[8:10], "little")
    elif b[:3] == b"\xff\xd8\xff": size = (1, 1)  # JPEG: Chromium's naturalWidth is the real test
    return size if size and min(size) > 0 else None


def run_chromium(chrome, url, extra, timeout=CHROME_TIMEOUT):
    "Run headless Chromium once; return (stdout, error message or None)."
    udd = tempfile.mkdtemp(prefix="docscheck-chrome-")
    cmd = [chrome, *CHROME_FLAGS, f"--user-data-dir={udd}", *extra, url]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
        return out, (None if p.returncode == 0 else f"chromium exited {p.returncode}: {short(err[-300:], 300)}")
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL); p.communicate()
        return "", f"chromium timed out after {timeout}s"
    finally:
        shutil.rmtree(udd, ignore_errors=True)


# ------------------------------------------------------------------ the steps
def process(repo, rep):
    "nbdev's notebook processing in the repo copy: writes repo/_proc."
    t0 = time.time()
    if not shutil.which("nbdev_proc_nbs"):
        rep.add("processing", "", ["nbdev_proc_nbs not found: pip install nbdev==2.4.14"]); return False
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(repo), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    before = (repo / "nbs" / "nbdev.yml").read_text() if (repo / "nbs" / "nbdev.yml").exists() else None
    try:
        p = subprocess.run([sys.executable, "-c", PROC_CODE], cwd=repo, env=env, capture_output=True, text=True, timeout=600)
        rc, log = p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        rc, log = 1, "timed out after 600 s"
    problems = []
    if rc:
        problems.append(f"nbdev_proc_nbs failed (exit {rc}):\n" + "\n".join("        " + l for l in log.strip().splitlines()[-25:]))
    else:
        srcs = sorted(p.relative_to(repo / "nbs") for p in (repo / "nbs").rglob("*.ipynb")
                      if not any(part.startswith(("_", ".")) for part in p.relative_to(repo / "nbs").parts))
        missing = [str(s) for s in srcs if not (repo / "_proc" / s).exists()]
        if missing: problems.append("not processed into _proc/: " + ", ".join(missing))
    after = (repo / "nbs" / "nbdev.yml").read_text() if (repo / "nbs" / "nbdev.yml").exists() else None
    notes = [] if before == after else ["the docs build rewrites nbs/nbdev.yml from settings.ini, and the committed one differs"]
    n = len(list((repo / "_proc").rglob("*.ipynb"))) if (repo / "_proc").exists() else 0
    rep.add("processing", f"nbdev_proc_nbs: {n} notebook(s) -> _proc/ ({time.time() - t0:.0f}s)", problems, notes)
    return not problems


def render(proc, site_dir, rep):
    "Render _proc/ with smalldocs into site_dir; return {source: output path} or None."
    try:
        import smalldocs
        from smalldocs.config import load
        from smalldocs.site import Site
    except ImportError:
        rep.add("render", "", ["smalldocs is not installed: pip install smalldocs==0.5.4"]); return None

    class NbdevSite(Site):
        def read(self, src):  # Quarto writes a page to its `output-file`, which nbdev sets (00_core -> core.html)
            page = super().read(src)
            of = page.front.get("output-file")
            if isinstance(of, str) and of: page.out = src.parent / of
            return page

    if site_dir.exists(): shutil.rmtree(site_dir)
    try:
        site = NbdevSite(load(proc), quiet=True); site.out = site_dir.resolve(); site.build()
    except Exception as e:
        rep.add("render", "", [f"smalldocs could not render _proc/: {type(e).__name__}: {e}"]); return None
    pages = {str(src): str(pg.out) for src, pg in site.pages.items()}
    rep.add("render", f"smalldocs {smalldocs.__version__}: {len(pages)} page(s) -> {os.path.relpath(site_dir, ROOT)}/", [])
    return pages


def expectations(repo, pages):
    "What each page must show, from the processed notebooks (and their sources and modules)."
    exp = {}
    for src, out in pages.items():
        e = exp[out] = dict(src=src, headings=[], api=[], api_module=None, images=[], svgs=0)
        if not src.endswith(".ipynb"): continue
        nb = json.loads((repo / "_proc" / src).read_text(encoding="utf-8"))
        for i, c in enumerate(nb.get("cells", [])):
            if c.get("cell_type") != "code": continue
            o = cell_opts(src_of(c)); tags = set((c.get("metadata") or {}).get("tags") or [])
            if o.get("include") is False or o.get("output") is False or tags & {"remove-cell", "remove-output"}: continue
            for out in c.get("outputs", []):
                data = out.get("data") or {}
                mime = next((m for m in DISPLAY_ORDER if m in data), None)
                if mime == "text/markdown":  # show_doc output: its heading is the API section
                    md = joined(data[mime])
                    if "[source]" in md or "show_doc" in src_of(c):
                        e["headings"] += [h.strip().strip("`") for h in re.findall(r"^#{1,6}\s+(.+?)\s*$", md, re.M)]
                elif mime in IMG_MIMES:
                    e["images"].append((i, re.sub(r"\s+", "", joined(data[mime]))))
                elif mime == "image/svg+xml":
                    e["svgs"] += 1
        orig = repo / "nbs" / src
        if orig.exists():
            onb = json.loads(orig.read_text(encoding="utf-8"))
            code = [src_of(c) for c in onb.get("cells", []) if c.get("cell_type") == "code"]
            exported = any(re.search(r"^#\|\s*exports?\s*$", s, re.M) for s in code)
            mod = next((m.group(1) for s in code for m in [re.search(r"^#\|\s*default_exp\s+([\w.]+)", s, re.M)] if m), None)
            if exported and mod:
                lib = (repo / "settings.ini").read_text()
                lib_path = (re.search(r"^lib_path\s*=\s*(\S+)", lib, re.M) or re.search(r"^lib_name\s*=\s*(\S+)", lib, re.M)).group(1)
                py = repo / lib_path / (mod.replace(".", "/") + ".py")
                e["api_module"] = f"{lib_path}.{mod}"
                if py.exists(): e["api"] = module_api(py)[0]
                else: e["api"] = None
    return exp


def load_pages(chrome, site_dir, rep, home_png):
    "Dump the DOM of every page (with the image probe), and screenshot the home page in the same run."
    files = sorted(p for p in site_dir.rglob("*.html") if "site_libs" not in p.parts and not p.name.startswith(PROBE_PREFIX))
    jobs = []
    for f in files:
        text = f.read_text(encoding="utf-8", errors="replace")
        probe = f.with_name(PROBE_PREFIX + f.name)
        probe.write_text(text.replace("</body>", PROBE + "</body>", 1) if "</body>" in text else text + PROBE, encoding="utf-8")
        rel = f.relative_to(site_dir).as_posix()
        extra = [f"--window-size={WINDOW}", "--dump-dom"]
        if rel == "index.html": extra = [f"--screenshot={home_png}", *extra]
        jobs.append((rel, probe, extra))

    def one(job):
        rel, probe, extra = job
        out, err = run_chromium(chrome, probe.as_uri(), extra)
        if not err and 'data-check-loaded="1"' not in out[:2000]:  # not loaded yet: give it virtual time
            out, err = run_chromium(chrome, probe.as_uri(), ["--virtual-time-budget=10000", *extra])
        return rel, out, err

    t0 = time.time()
    with ThreadPoolExecutor(max(1, min(4, (os.cpu_count() or 2)))) as pool:
        results = list(pool.map(one, jobs))
    for _, probe, _ in jobs: probe.unlink(missing_ok=True)
    doms, problems = {}, []
    for rel, out, err in results:
        if err: problems.append(f"{rel}: {err}"); continue
        if 'data-check-loaded="1"' not in out[:2000]: problems.append(f"{rel}: the page never finished loading in Chromium")
        doms[rel] = parse_dom(out)
    rep.add("chromium", f"{len(doms)} page(s) loaded in headless Chromium ({time.time() - t0:.0f}s)", problems)
    return doms


def ids_of(dom):
    return {n.attrs["id"] for n in dom.iter() if "id" in n.attrs} | {n.attrs["name"] for n in dom.iter() if n.tag == "a" and "name" in n.attrs}


def main_content(dom):
    return next((n for n in dom.iter() if n.attrs.get("id") == "quarto-document-content"), None) or \
        next((n for n in dom.iter() if n.tag == "main"), None)


def check_pages(site_dir, pages, doms, rep):
    problems = []
    for src, out in sorted(pages.items()):
        f = site_dir / out
        if not f.exists(): problems.append(f"{out} ({src}): no page was written"); continue
        if f.stat().st_size == 0: problems.append(f"{out} ({src}): the page is empty"); continue
        dom = doms.get(out)
        if dom is None: continue  # reported by the chromium group
        main = main_content(dom)
        body = " ".join(main.text().split()) if main is not None else ""
        if main is None: problems.append(f"{out} ({src}): no main content element")
        elif len(body) < 40: problems.append(f"{out} ({src}): the page has almost no content ({len(body)} characters)")
        if not any(n.tag == "h1" and n.text().strip() for n in dom.iter()): problems.append(f"{out} ({src}): no title (h1)")
        if not any(n.attrs.get("id") == "quarto-sidebar" for n in dom.iter()): problems.append(f"{out} ({src}): no sidebar")
    rep.add("pages", f"{len(pages)} page(s) present, with a title, content and the sidebar", problems)


def check_sidebar(repo, pages, rep):
    import yaml
    problems, names = [], []
    sb = repo / "nbs" / "sidebar.yml"
    if not sb.exists():
        rep.add("sidebar", "", ["nbs/sidebar.yml is missing"]); return
    cfg = yaml.safe_load(sb.read_text()) or {}
    names = sidebar_entries(((cfg.get("website") or {}).get("sidebar") or {}).get("contents"))
    for name in names:
        n = name.lstrip("/")
        if not (repo / "nbs" / n).exists(): problems.append(f"sidebar.yml lists {n}, but nbs/{n} does not exist"); continue
        if n not in pages: problems.append(f"sidebar.yml lists {n}, but no page was rendered from it")
    home = "index.ipynb" if (repo / "nbs" / "index.ipynb").exists() else None
    if not home: problems.append("nbs/index.ipynb (the home page) does not exist")
    unlisted = sorted(set(pages) - {n.lstrip("/") for n in names})
    notes = [f"pages not in the sidebar (fine if intended): {', '.join(unlisted)}"] if unlisted else []
    rep.add("sidebar", f"{len(names)} sidebar entries, each with a notebook and a page", problems, notes)


def check_api(exp, doms, rep):
    problems, n_checked = [], 0
    for out, e in sorted(exp.items()):
        dom = doms.get(out)
        if dom is None: continue
        heads = {" ".join(n.text().split()).strip("`") for n in dom.iter() if n.tag in ("h1", "h2", "h3", "h4", "h5", "h6")}
        for h in dict.fromkeys(e["headings"]):
            n_checked += 1
            if h not in heads: problems.append(f"{out} ({e['src']}): the show_doc section '{h}' is not on the page")
        if e["api_module"] and e["api"] is None:
            problems.append(f"{out} ({e['src']}): exports to {e['api_module']}, whose module file is missing")
        for name in e["api"] or []:
            n_checked += 1
            if name not in heads:
                problems.append(f"{out} ({e['src']}): no API section for {name} ({e['api_module']}.__all__)")
    rep.add("api", f"{n_checked} API sections found (show_doc headings and __all__ functions/classes)", problems)


def check_images(site_dir, exp, doms, rep):
    problems, n_fig, n_img, n_ext = [], 0, 0, 0
    for out, dom in sorted(doms.items()):
        e = exp.get(out)
        imgs = [n for n in dom.iter() if n.tag == "img"]
        srcs = set()
        for im in imgs:
            src = im.attrs.get("src", "")
            if src.startswith("data:"): srcs.add(re.sub(r"\s+", "", src.partition(",")[2]))
            if re.match(r"^[a-z][a-z0-9+.-]*://", src, re.I) and not src.startswith("file:"):
                n_ext += 1; continue  # external (badges): not reachable offline
            n_img += 1
            what = short(src, 60) if not src.startswith("data:") else f"inline {src[5:src.find(';')] or 'image'}"
            if not src:
                problems.append(f"{out}: an <img> without src"); continue
            if not src.startswith("data:"):
                target = (site_dir / out).parent / unquote(urlsplit(src).path)
                if not target.is_file(): problems.append(f"{out}: broken image {what} (file missing)"); continue
            elif image_size(src.partition(",")[2]) is None and "svg" not in src[:30]:
                problems.append(f"{out}: broken image {what} (the data is not a readable image)"); continue
            if im.attrs.get("data-check-nw") in (None, "0", "-1"):
                problems.append(f"{out}: broken image {what} (naturalWidth {im.attrs.get('data-check-nw', 'unknown')} in Chromium)")
        if e:
            for cell, b64 in e["images"]:
                n_fig += 1
                if b64 not in srcs: problems.append(f"{out} ({e['src']}): the figure output of cell {cell} is not on the page")
            svgs = [n for n in dom.iter() if n.tag == "svg" and n.ancestor(lambda a: "cell-output" in a.classes())]
            n_fig += e["svgs"]
            if len(svgs) < e["svgs"]: problems.append(f"{out} ({e['src']}): {e['svgs']} SVG figure(s) in the notebook, {len(svgs)} on the page")
    rep.add("images", f"{n_fig} notebook figure(s) on their pages; {n_img} <img> loaded ({n_ext} external not checked)", problems)


def check_links(site_dir, doms, site_url, rep):
    ids = {rel: ids_of(d) for rel, d in doms.items()}
    broken, n = {}, 0
    base = site_url.rstrip("/") + "/" if site_url else None
    for rel, dom in sorted(doms.items()):
        for node in dom.iter():
            for attr in ("href", "src") if node.tag in ("a", "link", "script", "iframe", "source") else ():
                href = node.attrs.get(attr)
                if href is None or href.strip() in ("", "#"): continue
                href = href.strip()
                if base and href.startswith(base): href = "/" + href[len(base):]  # doclinks to the site itself
                elif re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I): continue  # external, mailto:, data:, javascript:
                parts = urlsplit(href)
                path, frag = unquote(parts.path), unquote(parts.fragment)
                if path.startswith("/"): target = posixpath.normpath(path.lstrip("/") or ".")
                elif path: target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), path))
                else: target = rel
                if target in (".", "") or (site_dir / target).is_dir(): target = posixpath.join(target, "index.html").lstrip("./")
                n += 1
                if target.startswith("../") or not (site_dir / target).is_file():
                    broken.setdefault(f"{node.attrs.get(attr)} (no such file {target})", set()).add(rel); continue
                if frag and node.tag == "a" and target.endswith(".html"):
                    tids = ids.get(target)
                    if tids is None: tids = ids[target] = ids_of(parse_dom((site_dir / target).read_text(encoding="utf-8", errors="replace")))
                    if frag not in tids: broken.setdefault(f"{node.attrs.get(attr)} (no #{frag} on {target})", set()).add(rel)
    problems = [f"broken link {k}, on {', '.join(sorted(v))}" for k, v in sorted(broken.items())]
    rep.add("links", f"{n} internal links and assets resolve (external links not checked)", problems)


def check_tracebacks(exp, doms, rep):
    problems = []
    for out, dom in sorted(doms.items()):
        src = exp.get(out, {}).get("src", "?")
        for node in dom.iter():
            cls = node.classes()
            if "cell-output" not in cls: continue
            text = node.text()
            bad = "cell-output-error" in cls or "Traceback (most recent call last)" in text or bool(ANSI.search(text)) \
                or ("cell-output-stderr" in cls and ERROR_LINE.search(text))
            if not bad: continue
            cell = node.ancestor(lambda a: "cell" in a.classes())
            where = f" in {cell.attrs['id']}" if cell is not None and cell.attrs.get("id") else ""
            errs = ERROR_LINE.findall(ANSI.sub("", text))
            problems.append(f"{out} ({src}): an output{where} shows a traceback/error: {short(errs[-1] if errs else text, 120)}")
    rep.add("tracebacks", f"no cell output on {len(doms)} page(s) shows a traceback or error", problems)


def check_width(exp, doms, rep):
    "No code, output or table block is wider than the page's column: a wide one would be cut off or need scrolling."
    problems, n = [], 0
    for out, dom in sorted(doms.items()):
        src = exp.get(out, {}).get("src", "?")
        for node in dom.iter():
            if node.tag not in ("pre", "div", "table") or not (node.tag != "div" or "cell-output" in node.classes()):
                continue
            n += 1
            if "data-check-wide" in node.attrs:
                problems.append(f"{out} ({src}): a <{node.tag}> block is wider than its column "
                                f"({node.attrs['data-check-wide']} px): {short(' '.join(node.text().split()), 60)!r}")
    rep.add("width", f"{n} code, output and table block(s) fit their column in a {WINDOW} window", problems)


# A file named in prose: a path ending in a documentation or data extension (`results/x.csv`, originals.md)
FILE_REF = re.compile(r"(?<![\w/.:-])((?:\.{1,2}/)?[\w.-]+(?:/[\w.-]+)*\.(?:md|csv|json|ipynb|py|txt|ya?ml))\b")
ISSUE_REF = re.compile(r"\((?:see )?issue #?\d+\)", re.I)
LEFTOVER = re.compile(r"\bnot (?:\w+ )?(?:listed |implemented |supported )?yet\b|\bTODO\b|\bFIXME\b|\bXXX\b")
# pandas's scientific format for a plain decimal (9.011000e-01 for 0.9011): a column that mixes magnitudes
SCI_PLAIN = re.compile(r"\b[1-9]\.\d{2,4}0{2,}e[-+]0[0-3]\b")


def repo_files(repo):
    "Every file of the repo copy, as paths relative to it."
    return {p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file()}


def code_strings(repo):
    "The text of the package's and the tools' code (but this checker): a file name in it is one the code reads or writes."
    return "\n".join(p.read_text(encoding="utf-8") for d in ("gradopt", "tools") for p in (repo / d).glob("*.py")
                     if p.name != Path(__file__).name)


def names_a_file(ref, files, code):
    """Whether `ref` is a file the reader can find: in the repo (relative to nbs/ or the root, or the tail of a path),
    or named by the code (an output it writes, an input it reads)."""
    ref = ref.lstrip("./")
    name = ref.rsplit("/", 1)[-1]
    return any(f == ref or f == f"nbs/{ref}" or f.endswith("/" + ref) for f in files) or name in code


def outputs_text(cell):
    "The text a code cell's outputs show (stream and text/plain)."
    parts = []
    for o in cell.get("outputs", []):
        parts.append(joined(o.get("text", "")))
        parts.append(joined((o.get("data") or {}).get("text/plain", "")))
    return "\n".join(parts)


def check_sources(repo, rep):
    """Prose cites no file that the repository lacks and no issue tracker entry (the reader has neither), and no
    output shows leftover "not yet"/TODO text or plain decimals in scientific notation."""
    files, code, problems, n_refs = repo_files(repo), code_strings(repo), [], 0
    for nb_path in sorted((repo / "nbs").glob("*.ipynb")):
        for i, c in enumerate(json.loads(nb_path.read_text(encoding="utf-8")).get("cells", [])):
            where = f"{nb_path.name} cell {i}"
            if c.get("cell_type") == "markdown":
                text = re.sub(r"```.*?```", "", src_of(c), flags=re.S)
                linked = re.search(r"https?://", text)  # a file of a public source the cell links to
                text = re.sub(r"\]\(https?://[^)]*\)|https?://\S+", "", text)
                for ref in FILE_REF.findall(text):
                    n_refs += 1
                    if not (linked or names_a_file(ref, files, code)): problems.append(f"{where}: cites {ref}, which is not in the repository")
                problems += [f"{where}: cites an issue the reader cannot see: {m!r}" for m in ISSUE_REF.findall(text)]
            elif c.get("cell_type") == "code":
                shown = outputs_text(c) + "\n".join(joined((o.get("data") or {}).get("text/html", "")) for o in c.get("outputs", []))
                problems += [f"{where}: an output shows leftover text {m.group(0)!r}" for m in LEFTOVER.finditer(shown)]
                sci = SCI_PLAIN.findall(shown)
                if sci: problems.append(f"{where}: {len(sci)} plain decimal(s) shown in scientific notation, e.g. "
                                        f"{sci[0]} (set a float format)")
    rep.add("sources", f"{n_refs} file reference(s) in the prose are in the repository; no issue references, "
            "leftover text", problems)


MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\d)", re.S)


def prose(cell_source):
    "A markdown cell's text without code blocks, code spans and escaped dollars: where math delimiters count."
    s = re.sub(r"```.*?```", "", cell_source, flags=re.S)
    return re.sub(r"`[^`]*`", "", s).replace(r"\$", "")


def check_math(repo, rep):
    "Every $...$ and $$...$$ span in the notebooks' prose is TeX that parses, and no cell leaves a $ unpaired."
    try: from latex2mathml.converter import convert
    except ImportError:
        rep.add("math", "", ["latex2mathml is not installed: pip install latex2mathml"]); return
    problems, n = [], 0
    for nb_path in sorted((repo / "nbs").glob("*.ipynb")):
        cells = json.loads(nb_path.read_text(encoding="utf-8")).get("cells", [])
        for i, c in enumerate(cells):
            if c.get("cell_type") != "markdown": continue
            text = prose(src_of(c))
            if text.count("$") % 2: problems.append(f"{nb_path.name} cell {i}: an unpaired $ in {short(text, 80)!r}")
            for m in MATH.finditer(text):
                tex = m.group(1) or m.group(2); n += 1
                try: convert(tex)
                except Exception as e: problems.append(f"{nb_path.name} cell {i}: math that does not parse "
                                                       f"({type(e).__name__}): ${short(tex, 60)}$")
    rep.add("math", f"{n} math span(s) in the notebooks' prose parse (latex2mathml)", problems)


def check_screenshot(home_png, doms, rep):
    problems = []
    if "index.html" not in doms: problems.append("no index.html to screenshot (nbs/index.ipynb missing or not rendered)")
    elif not home_png.exists() or home_png.stat().st_size < 5000: problems.append(f"no usable screenshot at {home_png}")
    rep.add("screenshot", f"home page -> {home_png} (1280x1600)", problems)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--self-test", action="store_true", help="break a temp copy of the repo eleven ways and check each is caught")
    ap.add_argument("--out", default=str(ROOT / OUT_NAME), help=f"where the site and screenshot go (default {OUT_NAME}/)")
    args = ap.parse_args(argv)
    if args.self_test: return self_test()
    t0 = time.time()
    chrome = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
    if not chrome:
        if os.environ.get("CI"):
            print("FAIL  docs check: chromium not found on PATH (CI is set): apt-get install chromium"); return 1
        print("skipped: chromium not found"); return 0
    out_dir = Path(args.out).resolve(); out_dir.mkdir(parents=True, exist_ok=True)
    site_dir, home_png = out_dir / "site", out_dir / "home.png"
    home_png.unlink(missing_ok=True)
    rep = Report()
    with tempfile.TemporaryDirectory(prefix="docscheck-") as tmp:
        repo = Path(tmp) / "repo"; copy_repo(repo)
        check_math(repo, rep)
        check_sources(repo, rep)
        if process(repo, rep):
            pages = render(repo / "_proc", site_dir, rep)
            if pages is not None:
                exp = expectations(repo, pages)
                doms = load_pages(chrome, site_dir, rep, home_png)
                site_url = next((m.group(1).strip("'\"") for m in [re.search(r"^\s*site-url:\s*(\S+)", (repo / "_proc" / "nbdev.yml").read_text(), re.M)] if m), None) \
                    if (repo / "_proc" / "nbdev.yml").exists() else None
                check_pages(site_dir, pages, doms, rep)
                check_sidebar(repo, pages, rep)
                check_api(exp, doms, rep)
                check_images(site_dir, exp, doms, rep)
                check_links(site_dir, doms, site_url, rep)
                check_tracebacks(exp, doms, rep)
                check_width(exp, doms, rep)
                check_screenshot(home_png, doms, rep)
    n = rep.failures
    failed = [g for g, _, p in rep.groups if p]
    if home_png.exists(): print(f"home page screenshot: {home_png}")
    print(f"docs check: {'all passed' if not n else f'{n} failure(s) in ' + ', '.join(failed)} ({time.time() - t0:.0f}s; site in {site_dir})")
    return n


# ------------------------------------------------------------------ self-test
def self_test() -> int:
    "Break a temp copy of the repo eleven ways and check that each is reported."
    with tempfile.TemporaryDirectory(prefix="docscheck-selftest-") as tmp:
        repo = Path(tmp) / "repo"; copy_repo(repo)
        nbs = sorted(p for p in (repo / "nbs").glob("*.ipynb") if not p.name.startswith("_"))
        target = next((p for p in nbs if p.name != "index.ipynb"), nbs[0] if nbs else None)
        if target is None: print("self-test: no notebook to break"); return 1
        nb = json.loads(target.read_text(encoding="utf-8"))
        bad_png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40).decode()
        md = lambda s: {"cell_type": "markdown", "metadata": {}, "source": s}
        code = lambda s, outs: {"cell_type": "code", "metadata": {}, "source": s, "execution_count": 1, "outputs": outs}
        nb["cells"] += [
            md("A figure that is gone: ![lost](figs/selftest_missing.png)\n\nA link to [nowhere](99_selftest_nowhere.ipynb)."),
            md("Math that does not parse: $\\frac{1}{$ and a price of 5 $ alone."),
            md("As `selftest_private_notes.md` says (issue 9), this is so."),
            code("show_broken()", [{"output_type": "display_data", "metadata": {},
                                   "data": {"image/png": bad_png, "text/plain": "<Figure>"}}]),
            code("wide_table()", [{"output_type": "display_data", "metadata": {}, "data": {
                "text/html": "<table><tr>" + "<td>0.9011</td>" * 80 + "</tr></table>", "text/plain": "<table>"}}]),
            code("print(status)", [{"output_type": "stream", "name": "stdout",
                                    "text": "ablations: not listed yet\nscore 9.011000e-01\n"}]),
            code("1/0", [{"output_type": "error", "ename": "ZeroDivisionError", "evalue": "division by zero",
                          "traceback": ["\x1b[0;31m---------\x1b[0m", "Traceback (most recent call last)", "ZeroDivisionError: division by zero"]}]),
        ]
        target.write_text(json.dumps(nb, indent=1), encoding="utf-8")
        # a function exported by the module but documented nowhere (as when notebook and module drift apart)
        mods = sorted(p for p in (repo / "gradopt").glob("*.py") if "__all__" in p.read_text() and not p.name.startswith("_"))
        mod = mods[0]
        text = mod.read_text()
        text = re.sub(r"__all__\s*=\s*\[", "__all__ = ['selftest_undocumented', ", text, count=1)
        mod.write_text(text + "\n\ndef selftest_undocumented():\n    \"Exported, but no notebook documents it.\"\n")
        print(f"self-test: broke {target.name} (missing image file, corrupt PNG output, dead link, traceback, math, "
              "citations of a missing file and an issue, leftover text, a decimal in scientific notation, a wide table) "
              f"and {mod.name} (undocumented export); running the check on the copy...", flush=True)
        p = subprocess.run([sys.executable, str(repo / "tools" / "docs_check.py"), "--out", str(Path(tmp) / "out")],
                           cwd=repo, capture_output=True, text=True, timeout=600)
        out = p.stdout + p.stderr
        print("\n".join("    | " + l for l in out.strip().splitlines()))
        expected = {
            "broken image (file missing)": r"broken image figs/selftest_missing\.png \(file missing\)",
            "broken image (corrupt data)": r"broken image inline image/png \(the data is not a readable image\)",
            "broken link": r"broken link 99_selftest_nowhere\.html",
            "traceback output": r"shows a traceback/error: ZeroDivisionError",
            "missing API section": r"no API section for selftest_undocumented",
            "math that does not parse": r"math that does not parse .*frac",
            "citation of a missing file": r"cites selftest_private_notes\.md, which is not in the repository",
            "citation of an issue": r"cites an issue the reader cannot see: '\(issue 9\)'",
            "leftover text": r"shows leftover text 'not listed yet'",
            "decimal in scientific notation": r"shown in scientific notation, e\.g\. 9\.011000e-01",
            "table wider than its column": r"a <table> block is wider than its column",
        }
        missed = [k for k, pat in expected.items() if not re.search(pat, out)]
        for k in expected: print(f"{'caught' if k not in missed else 'MISSED'}  {k}")
        if p.returncode == 0: missed.append("exit code 0 on a broken site")
        print(f"self-test: {'passed' if not missed else 'FAILED: ' + ', '.join(missed)}")
        return len(missed)


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
