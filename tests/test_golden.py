"""The shipped workloads' reports, byte for byte (a guard for refactors that must not move a number).

Each case runs a shipped workload (a fixed number of its images) and compares the SHA-256 of every
CSV it writes with `tests/data/golden.json`. A change that is meant to change results regenerates
the digests on purpose and says why in its commit:

    ISAACSIM_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py

run.json is not compared (it records library versions).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from isaacsim.report import write_results
from isaacsim.runner import run_workload
from isaacsim.workload import load_workload

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "golden.json"
UPDATE = os.environ.get("ISAACSIM_UPDATE_GOLDEN") == "1"

CASES = {
    "tiny_cropped": ("workloads/tiny_cropped.json", {}),
    "tiny_cropped_stream": ("workloads/tiny_cropped.json", {"run.mode": "stream",
                                                            "run.arrival_interval_cycles": 300}),
    "tiny_cropped_reference": ("workloads/tiny_cropped.json", {"run.engine": "reference",
                                                               "run.images": 4}),
    "vgg16_cropped": ("workloads/vgg16_cropped.json", {"run.images": 40}),
    "vgg16_cropped_stream": ("workloads/vgg16_cropped.json", {"run.images": 10,
                                                              "run.mode": "stream"}),
    "vgg16_we_8_8": ("workloads/vgg16_we_8_8.json", {"run.images": 10}),
    "vgg16_stripes": ("workloads/vgg16_stripes.json", {"run.images": 10}),
    "alexnet_cropped": ("workloads/alexnet_cropped.json", {"run.images": 20}),
    "resnet18_cropped": ("workloads/resnet18_cropped.json", {"run.images": 20}),
}


def _digests(case: str, tmp_path: Path) -> dict[str, str]:
    path, sets = CASES[case]
    result = run_workload(load_workload(ROOT / path, sets))
    out = write_results(tmp_path / case, result.tables, {"case": case})
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.glob("*.csv"))}


@pytest.mark.parametrize("case", sorted(CASES))
def test_reports_are_byte_identical_to_the_golden_digests(case, tmp_path):
    found = _digests(case, tmp_path)
    golden = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
    if UPDATE:
        golden[case] = found
        GOLDEN.write_text(json.dumps(golden, indent=2, sort_keys=True) + "\n")
        return
    assert case in golden, f"no golden digests for {case}: run with ISAACSIM_UPDATE_GOLDEN=1"
    assert found == golden[case], f"{case}: reports differ from the golden digests"
