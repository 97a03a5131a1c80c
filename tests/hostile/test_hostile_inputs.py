"""Hostile inputs through the command line: every one must be refused with exit code 2 and a
message naming the file or option and the place, promptly, without a traceback, without writing
outside its folder or touching what was there (tests/hostile/README.md).

The default run takes a fixed sample of the corpus; ``-m slow`` runs all of it. With ``-s`` the
last test of each prints "N inputs tried, M clean" and the classes of the unclean ones.
"""

from __future__ import annotations

import pytest

from .gen_cli import EXPAND, NUMERICS, RUN, SWEEP, SYNTH
from .generate import CLASSES, SAMPLE_MINIMUM, all_cases, default_sample
from .harness import execute, run_case, summary
from .model import ARCH, CSV, JSONL, NET, WL, Case, base_trees, dump, write_inputs

SAMPLE = default_sample()
ALL = all_cases()
OUTCOMES: dict[str, list] = {"sample": [], "all": []}


def _check(case, tmp_path, monkeypatch, bucket):
    outcome = run_case(case, tmp_path, chdir=monkeypatch.chdir)
    OUTCOMES[bucket].append(outcome)
    if not outcome.clean:
        pytest.fail(outcome.report(), pytrace=False)


@pytest.mark.parametrize("case", SAMPLE, ids=[c.id for c in SAMPLE])
def test_hostile_input(case, tmp_path, monkeypatch):
    _check(case, tmp_path, monkeypatch, "sample")


@pytest.mark.slow
@pytest.mark.parametrize("case", ALL, ids=[c.id for c in ALL])
def test_hostile_input_full(case, tmp_path, monkeypatch):
    _check(case, tmp_path, monkeypatch, "all")


BASE_COMMANDS = {
    "arch": (("arch", "--arch", ARCH), ()), "map": (("map", WL), ()),
    "crop": (("crop", "--network", NET, "--crop", "1111"), ()),
    "validate-csv": (("traces", "validate", CSV, "--network", NET), ()),
    "validate-jsonl": (("traces", "validate", JSONL, "--network", "tiny"), ()),
    "stats": (("traces", "stats", CSV), ()), "synth": (SYNTH, ()), "expand": (EXPAND, ()),
    "run": (RUN, ()), "sweep": (SWEEP, ()), "numerics": (NUMERICS, ()),
    "run-jsonl": (RUN, ((WL, lambda: dump({**base_trees()[WL], "trace": JSONL})),)),
}


@pytest.mark.parametrize("name", sorted(BASE_COMMANDS))
def test_base_inputs_are_valid(name, tmp_path, monkeypatch):
    """The inputs and command lines the cases start from are accepted as they are, so every case
    is refused because of its own hostile change (the run and sweep simulate 2 tiny images)."""
    argv, files = BASE_COMMANDS[name]
    write_inputs(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    case = Case(id=name, cls="base", kind="base", argv=argv, who="", where=None, limit=120)
    code, out, err, seconds, escaped = execute(case, tmp_path)
    assert (code, escaped) == (0, None), err


def test_corpus_shape():
    """The sample is large and fixed, and covers every class and input kind of the corpus."""
    assert len(ALL) >= 600
    assert len(SAMPLE) >= SAMPLE_MINIMUM
    assert {c.cls for c in SAMPLE} == {c.cls for c in ALL} == set(CLASSES)
    assert {c.kind for c in SAMPLE} == {c.kind for c in ALL}
    assert [c.id for c in default_sample()] == [c.id for c in SAMPLE]


def test_summary():
    """Prints (with -s) what the sample's cases above gave."""
    print("\nhostile inputs, default sample: " + summary(OUTCOMES["sample"]))


@pytest.mark.slow
def test_summary_full():
    print("\nhostile inputs, full corpus: " + summary(OUTCOMES["all"]))


def _fake_main(behaviour):
    """A stand-in for isaacsim.cli.main showing one misbehaviour the harness must catch."""
    def main(argv):
        import sys
        import time
        from pathlib import Path
        if behaviour == "escape":
            Path("../hostile-escaped").write_text("x")
        elif behaviour == "change":
            Path(NET).write_text("{}")
        elif behaviour == "remove":
            Path(NET).unlink()
        elif behaviour == "hang":
            while True:
                time.sleep(0.01)
        elif behaviour == "crash":
            raise TypeError("boom")
        elif behaviour == "traceback":
            print("Traceback (most recent call last):", file=sys.stderr)
        elif behaviour == "vague":
            print("isaacsim map: error: something is wrong", file=sys.stderr)
        elif behaviour == "usage":
            print("error: argument --images: invalid int value: 'x'", file=sys.stderr)
            raise SystemExit(2)
        return 0 if behaviour == "accept" else 2
    return main


@pytest.mark.parametrize("behaviour, label", [
    ("escape", "wrote-outside"), ("change", "changed-input"), ("remove", "changed-input"),
    ("hang", "timeout"), ("crash", "exception"), ("traceback", "traceback"),
    ("vague", "no-source"), ("accept", "exit"), ("usage", "clean")])
def test_harness_catches(behaviour, label, tmp_path, monkeypatch):
    """The harness itself: each misbehaviour of the command is reported under its label."""
    import isaacsim.cli
    monkeypatch.setattr(isaacsim.cli, "main", _fake_main(behaviour))
    case = Case(id="fake", cls="wrong-value", kind="option", argv=("map", WL),
                who="--images", where="--images", limit=0.3)
    outcome = run_case(case, tmp_path, chdir=monkeypatch.chdir)
    labels = [f.split(":", 1)[0] for f in outcome.failures] or ["clean"]
    assert label in labels, outcome.report()
