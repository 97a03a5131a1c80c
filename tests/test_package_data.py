"""The shipped workloads, networks and traces are package data, and resolve by name from a wheel.

The one copy of each is in the top-level ``workloads/`` (with ``networks/``) and ``traces/``;
``isaacsim/data/workloads`` and ``isaacsim/data/traces`` are links to them, and the package-data
globs of pyproject.toml put them into the wheel as ``isaacsim/data/...``. The fast tests check the
links, the globs and that every workload's relative paths stay inside the packaged folders; the
wheel test builds the wheel, installs it into a fresh virtual environment outside the repository
and runs ``map``, ``run`` and ``crop`` there by built-in names (about 40 s, most of it the JIT
compilation of the kernels in the new environment).
"""

from __future__ import annotations

import fnmatch
import hashlib
import importlib.metadata
import json
import os
import shutil
import site
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from isaacsim.errors import InputError
from isaacsim.network.load import builtin_folder, network_dirs, resolve_network
from isaacsim.report import write_results
from isaacsim.runner import run_workload
from isaacsim.workload import builtin_workloads, load_workload, resolve_workload, workload_dirs

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "isaacsim"
SHIPPED = {"workloads": ["*.json"], "workloads/networks": ["*.json"], "traces": ["*.csv", "*.jsonl"]}
"""Top-level folder -> the shipped files in it (the package-data globs of pyproject.toml)."""
MAX_SHIPPED_BYTES = 1 << 20
"""Every shipped file is small; a larger trace belongs in a work folder, not in the wheel."""


def _shipped_files() -> list[Path]:
    return sorted(p for folder, globs in SHIPPED.items() for g in globs for p in (ROOT / folder).glob(g))


def _package_data_globs() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["setuptools"]["package-data"]["isaacsim"]


def test_data_links_name_the_top_level_folders():
    for name in ("workloads", "traces"):
        link = PACKAGE / "data" / name
        assert link.is_symlink(), f"isaacsim/data/{name} must be a link to the top-level {name}/"
        assert os.readlink(link) == f"../../{name}"
        assert link.resolve() == ROOT / name


def test_every_shipped_file_is_package_data_and_small():
    globs = _package_data_globs()
    files = _shipped_files()
    assert len(files) >= 20
    for path in files:
        inside = "data/" + path.relative_to(ROOT).as_posix()
        assert any(fnmatch.fnmatchcase(inside, g) for g in globs), f"{inside}: no package-data glob"
        assert (PACKAGE / inside).resolve() == path
        assert path.stat().st_size <= MAX_SHIPPED_BYTES, f"{path} is too large to ship"


def test_shipped_workloads_name_only_shipped_files():
    """A workload's trace and network resolve inside the packaged folders (relative paths such as
    ``../traces/x.csv`` hold in the wheel as in the checkout), and its network is built in."""
    folder = ROOT / "workloads"
    shipped = set(_shipped_files())
    for path in sorted(folder.glob("*.json")):
        raw = json.loads(path.read_text())
        trace = raw.get("trace")
        if trace is not None:
            assert not Path(trace).is_absolute()
            assert (folder / trace).resolve() in shipped, f"{path.name}: trace {trace} not shipped"
        assert resolve_network(raw["network"]).resolve() in shipped, path.name


def test_builtin_names_resolve_to_the_shipped_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert builtin_folder("workloads") == ROOT / "workloads"
    assert network_dirs()[-1] == ROOT / "workloads" / "networks"
    assert workload_dirs() == (tmp_path / "workloads", ROOT / "workloads")
    assert set(builtin_workloads()) == {p.stem for p in (ROOT / "workloads").glob("*.json")}
    assert resolve_workload("tiny_cropped") == ROOT / "workloads" / "tiny_cropped.json"
    w = load_workload("tiny_cropped")
    assert w.source == str(ROOT / "workloads" / "tiny_cropped.json") and w.name == "tiny_cropped"
    assert Path(w.trace or "").resolve() == ROOT / "traces" / "tiny_synth_20.csv"
    assert Path(w.network_path).resolve() == ROOT / "workloads" / "networks" / "tiny.json"


def test_workload_in_current_folder_comes_first(tmp_path, monkeypatch):
    (tmp_path / "workloads").mkdir()
    raw = json.loads((ROOT / "workloads" / "tiny_cropped.json").read_text())
    raw.update(name="mine", trace=None)
    (tmp_path / "workloads" / "tiny_cropped.json").write_text(json.dumps(raw))
    monkeypatch.chdir(tmp_path)
    assert load_workload("tiny_cropped").name == "mine"
    assert load_workload("vgg16").name == "vgg16"      # the shipped one
    assert "tiny_cropped" in builtin_workloads()


def test_argument_rule_and_messages(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_workload("x/tiny_cropped") == Path("x/tiny_cropped")       # a separator: a file
    assert resolve_workload("elsewhere.json") == Path("elsewhere.json")     # .json: a file
    (tmp_path / "tiny_cropped").write_text("{}")
    assert resolve_workload("tiny_cropped") == Path("tiny_cropped")         # an existing file
    with pytest.raises(InputError, match="did you mean 'vgg16_cropped'") as info:
        load_workload("vgg16_croped")
    assert "built-in workloads: alexnet_cropped, " in str(info.value)
    with pytest.raises(InputError, match="did you mean the built-in workload 'vgg16'"):
        load_workload("vgg16.json")
    with pytest.raises(InputError, match="did you mean the built-in network 'vgg16'"):
        resolve_network("vgg16.json")
    with pytest.raises(InputError, match="empty"):
        load_workload("")


def _can_build_wheels() -> bool:
    """setuptools builds wheels by itself from 70.1, before that with the `wheel` package (both are
    in the `test` extra)."""
    try:
        version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return False
    numbers = tuple(int(p) for p in version.split(".")[:2] if p.isdigit())
    if numbers >= (70, 1):
        return True
    try:
        importlib.metadata.version("wheel")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _copy_sources(dest: Path) -> None:
    """What the wheel is built from: pyproject.toml, README.md, isaacsim/ (its data links kept as
    links) and the top-level folders they point to. A copy, so that the build writes nothing into
    the checkout and no stale build/ folder leaks into the wheel."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc", "*.egg-info")
    dest.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    for name in ("isaacsim", "workloads", "traces"):
        shutil.copytree(ROOT / name, dest / name, symlinks=True, ignore=ignore)


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _run(argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 300
         ) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}


@pytest.mark.skipif(not _can_build_wheels(), reason="building a wheel needs setuptools>=70.1 or the "
                                                    "wheel package: pip install -e '.[test]'")
def test_installed_wheel_resolves_builtin_names(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PIP_"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    src, dist, venv, work = (tmp_path / n for n in ("src", "dist", "venv", "work"))
    _copy_sources(src)
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                  "--no-index", "-w", dist, src], tmp_path, env)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = dist.glob("isaacsim-*.whl")

    made = _run([sys.executable, "-m", "venv", "--system-site-packages", venv], tmp_path, env)
    assert made.returncode == 0, made.stdout + made.stderr
    python = _venv_python(venv)
    if sys.prefix != sys.base_prefix:
        # run from a virtual environment: --system-site-packages gives the base interpreter's
        # packages, not this environment's numpy, numba, ...; add them after the new venv's own
        purelib = _run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                       tmp_path, env).stdout.strip()
        Path(purelib, "outer.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    installed = _run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--force-reinstall",
                      wheel], tmp_path, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    work.mkdir()
    where = _run([python, "-c", "import isaacsim; print(isaacsim.__file__)"], work, env)
    package = Path(where.stdout.strip()).resolve().parent
    assert package.is_relative_to(venv.resolve()), f"not the wheel's isaacsim: {where.stdout}"
    data = package / "data"
    assert not (data / "workloads").is_symlink()
    assert (data / "workloads" / "networks" / "vgg16.json").is_file()
    assert (data / "traces" / "tiny_synth_20.csv").is_file()

    # map by a built-in workload name: the same table as the checkout prints
    mapped = _run([python, "-m", "isaacsim", "map", "vgg16"], work, env)
    assert mapped.returncode == 0, mapped.stderr
    here = _run([sys.executable, "-m", "isaacsim", "map", str(ROOT / "workloads" / "vgg16.json")],
                work, {**env, "PYTHONPATH": str(ROOT)})
    assert here.returncode == 0, here.stderr
    assert mapped.stdout == here.stdout and "7 chips" in mapped.stdout

    # a built-in network name (the original failure: "built-in networks: none found")
    crop = _run([python, "-m", "isaacsim", "crop", "--network", "vgg16", "--crop", "1111", "--json"],
                work, env)
    assert crop.returncode == 0, crop.stderr
    assert json.loads(crop.stdout)["network"] == "vgg16"

    # run by a built-in workload name; its trace (../traces/...) resolves inside the package
    out = work / "out"
    ran = _run([python, "-m", "isaacsim", "run", "tiny_cropped", "--images", "2", "--out", out,
                "--progress", "off"], work, env)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    meta = json.loads((out / "run.json").read_text())
    assert meta["images"] == 2
    assert Path(meta["workload"]["source"]).resolve() == data / "workloads" / "tiny_cropped.json"
    assert Path(meta["workload"]["trace"]).resolve() == data / "traces" / "tiny_synth_20.csv"
    assert Path(meta["workload"]["network"]).resolve() == data / "workloads" / "networks" / "tiny.json"
    ref = write_results(tmp_path / "ref", run_workload(load_workload(
        ROOT / "workloads" / "tiny_cropped.json", {"run.images": 2})).tables, {})
    assert _digests(out) == _digests(ref) and len(_digests(out)) == 4

    # an unknown name lists the built-in names, with a did-you-mean
    wrong = _run([python, "-m", "isaacsim", "run", "tiny_croped"], work, env)
    assert wrong.returncode == 2
    assert "did you mean 'tiny_cropped'" in wrong.stderr and "vgg16_cropped" in wrong.stderr
