"""Write README.md from nbs/index.ipynb (nbdev_readme needs Quarto, which these machines cannot install).

Markdown cells are copied, code cells become ```python blocks without their `#|` directives, text outputs
become plain blocks; `#| hide` cells are left out, as in the rendered docs.

    python tools/make_readme.py
"""
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _directives(src):
    return [l[3:].strip() for l in src.splitlines() if l.startswith("#|")]


def _text_output(o):
    if o.get("output_type") == "stream": return "".join(o["text"])
    return "".join(o.get("data", {}).get("text/plain", ""))


def readme_text(nb_path=ROOT / "nbs" / "index.ipynb"):
    cells, out = json.loads(Path(nb_path).read_text(encoding="utf-8"))["cells"], []
    for c in cells:
        src = "".join(c["source"])
        if c["cell_type"] == "markdown": out.append(src.strip()); continue
        if c["cell_type"] != "code" or any(d.startswith(("hide", "default_exp")) for d in _directives(src)): continue
        code = "\n".join(l for l in src.splitlines() if not l.startswith("#|")).strip()
        if code: out.append(f"```python\n{code}\n```")
        text = "".join(_text_output(o) for o in c.get("outputs", [])).rstrip()
        if text: out.append(f"```\n{text}\n```")
    return "<!-- generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file -->\n\n" + \
        "\n\n".join(out) + "\n"


if __name__ == "__main__":
    (ROOT / "README.md").write_text(readme_text(), encoding="utf-8")
    print("wrote README.md")
