"""The numbers and examples in docs/mapping.md and docs/workload-format.md are what the code does."""

import json
import re
from pathlib import Path

import pytest

from isaacsim.errors import InputError
from isaacsim.network import load_network
from isaacsim.targets.isaac.arch import load_arch
from isaacsim.targets.isaac.mapping import map_network
from isaacsim.workload import load_workload

DOCS = Path(__file__).parents[1] / "docs"


def _names(cell):
    out = []
    for part in cell.split(","):
        part = part.strip()
        m = re.fullmatch(r"(\w+_)(\d)\.\.(\d)", part)
        out += [f"{m[1]}{i}" for i in range(int(m[2]), int(m[3]) + 1)] if m else [part]
    return out


def _int(cell):
    return int(cell.replace("each", "").replace(",", "").strip())


def test_vgg16_table_in_mapping_md():
    text = (DOCS / "mapping.md").read_text()
    table = text.split("VGG-16 in detail")[1].split("**total**")[0]
    m = map_network(load_network("vgg16"), load_arch("isaac-ce"), replication="isaac")
    rows = 0
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 7 or not re.match(r"(conv|fc)\d", cells[0]):
            continue
        for name in _names(cells[0]):
            lm = m.layer(name)
            got = (lm.arrays_per_replica, lm.replication, lm.arrays, lm.imas, len(lm.tiles),
                   lm.buffer_bytes)
            assert got == tuple(_int(c) for c in cells[1:]), name
            rows += 1
    assert rows == 16
    assert (m.totals.arrays, m.totals.imas, m.totals.tiles, m.totals.chips) == (
        100_192, 12_524, 1_046, 7)


def test_workload_format_example_loads(tmp_path):
    text = (DOCS / "workload-format.md").read_text()
    example = text.split("```json\n")[1].split("```")[0]
    path = tmp_path / "vgg16.json"
    path.write_text(example)
    assert load_workload(path).to_dict()["mapping"] == json.loads(example)["mapping"]


@pytest.mark.parametrize("case", ["bits_17", "bad_arch_set"])
def test_workload_format_error_examples(case):
    text = (DOCS / "workload-format.md").read_text()
    line = next(x for x in text.splitlines() if x.startswith(f"tests/data/bad_workloads/{case}"))
    with pytest.raises(InputError) as info:
        load_workload(Path(__file__).parent / "data" / "bad_workloads" / f"{case}.json")
    assert line.split(": ", 1)[1] in str(info.value)
