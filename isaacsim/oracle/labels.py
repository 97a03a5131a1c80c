"""Labels of the images (``--labels``) and class names (``--classes``), and image ids.

Labels file: CSV with the header ``image,label`` and one line per image. ``image`` is an image's
file name (``cat.png``, without its folder); ``label`` is a class index ``0..C-1`` (C = the
model's classes) or, with a class list, a class name from it. Every given image needs exactly one
line, and every line must name a given image. Class list: a text file with one class name per line,
line i (from 0) naming class i; blank lines are not allowed in between (docs/oracle.md).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

from isaacsim.errors import InputError, Problem
from isaacsim.traces.model import image_id_problem

_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f#,\"';]+")


def _read_text(path: str, what: str, option: str) -> str:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return fh.read()
    except FileNotFoundError:
        raise InputError(Problem(option, path, f"no such {what} file")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(option, path, f"cannot read the {what} file: {exc}")) from None


def read_classes(path: str) -> list[str]:
    """Class names, one per line (trailing blank lines and surrounding spaces ignored)."""
    lines = [line.strip() for line in _read_text(path, "class list", "--classes").splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    problems = []
    seen: dict[str, int] = {}
    for number, name in enumerate(lines, start=1):
        if not name:
            problems.append(Problem(path, f"line {number}", "blank class name; give one name per "
                                                           "line, line i naming class i - 1"))
        elif "#" in name or "," in name:
            problems.append(Problem(path, f"line {number}", f"class name {name!r} contains '#' or "
                                                           f"','; a trace field cannot hold them"))
        elif name in seen:
            problems.append(Problem(path, f"line {number}", f"class name {name!r} is also on line "
                                                           f"{seen[name]}; names must be unique"))
        else:
            seen[name] = number
    if not lines:
        problems.append(Problem(path, "", "the class list is empty"))
    if problems:
        raise InputError(problems)
    return lines


def read_labels(path: str, images: Sequence[Path], classes: int,
                names: Sequence[str] | None) -> list[int]:
    """The class index of each of `images` (in order) from the labels file at `path`;
    `InputError` listing every bad line, unknown image and image without a label."""
    text = _read_text(path, "labels", "--labels")
    problems: list[Problem] = []
    by_name: dict[str, int] = {}
    for i, image in enumerate(images):
        if image.name in by_name:
            raise InputError(Problem("--images", str(image),
                                     f"two images are named '{image.name}' (also "
                                     f"'{images[by_name[image.name]]}'); the labels file names "
                                     f"images by file name, so give files with distinct names"))
        by_name[image.name] = i
    index = {name: i for i, name in enumerate(names or ())}
    labels: list[int | None] = [None] * len(images)
    first: dict[str, int] = {}
    rows = [r for r in enumerate(csv.reader(io.StringIO(text)), start=1) if any(c.strip() for c in r[1])]
    if not rows or [c.strip() for c in rows[0][1]] != ["image", "label"]:
        raise InputError(Problem(path, "line 1", "expected the header line 'image,label' (image "
                                                 "file name, class index or name)"))
    for number, row in rows[1:]:
        place = f"line {number}"
        if len(row) != 2:
            problems.append(Problem(path, place, f"expected 2 fields (image,label), got {len(row)}"))
            continue
        name, raw = row[0].strip(), row[1].strip()
        if name not in by_name:
            stem = [image.name for image in images if image.stem == name]
            hint = (f"; labels name images by file name: did you mean '{stem[0]}'?" if stem else
                    "; give that image with --images or remove the line")
            problems.append(Problem(path, place, f"names the image '{name}', which is not among "
                                                 f"the given images{hint}"))
            continue
        if name in first:
            problems.append(Problem(path, place, f"the image '{name}' is labelled twice (also "
                                                 f"on line {first[name]})"))
            continue
        first[name] = number
        if re.fullmatch(r"[0-9]{1,9}", raw) and int(raw) < classes:
            labels[by_name[name]] = int(raw)
        elif raw in index and index[raw] < classes:
            labels[by_name[name]] = index[raw]
        else:
            known = " or a name from --classes" if names else " (give --classes to use names)"
            problems.append(Problem(path, place, f"label {raw!r} is not a class index 0..{classes - 1}"
                                                 f"{known}"))
    missing = [images[i].name for i, label in enumerate(labels) if label is None
               and images[i].name not in first]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        problems.append(Problem(path, "", f"no label for {len(missing)} given image(s): {shown}; "
                                          f"add a line 'image,label' for each"))
    if problems:
        raise InputError(problems)
    return [label for label in labels if label is not None]


def image_ids(images: Sequence[Path]) -> list[str]:
    """A trace image id per image: the file name without its ending, with blanks, control
    characters and ``# , " ' ;`` replaced by ``_``; prefixed with ``img`` when pandas would not read
    it back as text (``007``, ``NA``, ``true``); ``_2``, ``_3``, ... appended to repeats in order."""
    out: list[str] = []
    used: set[str] = set()
    for image in images:
        base = _UNSAFE.sub("_", image.stem) or "img"
        if image_id_problem(base):
            base = "img" + base
            if image_id_problem(base):      # not expected; keep the id valid whatever the name
                base = "img"
        candidate, n = base, 1
        while candidate in used:
            n += 1
            candidate = f"{base}_{n}"
        used.add(candidate)
        out.append(candidate)
    return out
