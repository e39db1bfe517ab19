"""Package build for gradopt, driven by settings.ini (the nbdev 2 layout).

nbdev's template setup.py imports pkg_resources, which current setuptools no longer ships; this one parses
requirements with `packaging` instead.
"""
from configparser import ConfigParser
from pathlib import Path

import setuptools

cfg = ConfigParser(delimiters=["="])
cfg.read(Path(__file__).parent / "settings.ini", encoding="utf-8")
cfg = cfg["DEFAULT"]

licenses = {"apache2": ("Apache Software License 2.0", "OSI Approved :: Apache Software License")}
statuses = ["1 - Planning", "2 - Pre-Alpha", "3 - Alpha", "4 - Beta", "5 - Production/Stable"]
py_versions = ["3.10", "3.11", "3.12", "3.13"]
min_python = cfg["min_python"]
lic = licenses[cfg["license"]]


def reqs(key):
    return cfg.get(key, "").split()


bench, dev, ray, text, vision = (reqs(f"{k}_requirements") for k in ("bench", "dev", "ray", "text", "vision"))
setuptools.setup(
    name=cfg["lib_name"],
    version=cfg["version"],
    description=cfg["description"],
    long_description=(Path(__file__).parent / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    author=cfg["author"],
    author_email=cfg["author_email"],
    license=lic[0],
    url=cfg["git_url"],
    keywords=cfg["keywords"].split(),
    classifiers=[
        "Development Status :: " + statuses[int(cfg["status"]) - 1],
        "Intended Audience :: " + cfg["audience"],
        "License :: " + lic[1],
        "Natural Language :: " + cfg["language"],
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ] + [f"Programming Language :: Python :: {v}" for v in py_versions[py_versions.index(min_python):]],
    packages=setuptools.find_packages(include=["gradopt", "gradopt.*"]),
    include_package_data=True,
    python_requires=f">={min_python}",
    install_requires=reqs("requirements"),
    # `dev` runs the notebooks, which use the bench tools, Ray (the sweeps notebook), the text and vision tools too
    extras_require={"bench": bench, "ray": ray, "text": text, "vision": vision, "dev": bench + ray + text + vision + dev},
    entry_points={"nbdev": [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"],
                  "console_scripts": ["gradopt=gradopt.cli:main"]},
    zip_safe=False,
)
