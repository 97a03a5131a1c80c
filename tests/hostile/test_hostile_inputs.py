"""Hostile inputs through the command line: every one must be refused with exit code 2 and a
message naming the file or option and the place, promptly, without a traceback, without writing
outside its folder or touching what was there (tests/hostile/README.md).

The default run takes a fixed sample of the corpus; ``-m slow`` runs all of it. With ``-s`` the
last test of each prints "N inputs tried, M clean" and the classes of the unclean ones.
"""

from __future__ import annotations

import pytest

from .generate import CLASSES, SAMPLE_MINIMUM, all_cases, default_sample
from .harness import run_case, summary

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
