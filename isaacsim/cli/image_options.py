"""The image preprocessing options of `traces oracle` and `traces predict` (--resize, --size,
--mean, --std), defined and checked in one place, so that both commands read an image the same
way (`isaacsim.oracle.images.load_image`)."""

from __future__ import annotations

import argparse

from isaacsim.errors import InputError, Problem


def _numbers(text: str) -> tuple[float, ...] | str:
    """Comma-separated numbers, or the text itself (reported by `problems` with the other
    problems)."""
    try:
        return tuple(float(p) for p in text.split(","))
    except ValueError:
        return text


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add --resize, --size, --mean and --std with ImageNet's defaults to `p`."""
    from isaacsim.oracle.images import DEFAULT_RESIZE, DEFAULT_SIZE, IMAGENET_MEAN, IMAGENET_STD
    mean, std = (",".join(map(str, v)) for v in (IMAGENET_MEAN, IMAGENET_STD))
    p.add_argument("--resize", type=int, default=DEFAULT_RESIZE, metavar="N",
                   help=f"short side after the bilinear resize, 1..16384 (default {DEFAULT_RESIZE}, "
                        f"ImageNet evaluation)")
    p.add_argument("--size", type=int, default=DEFAULT_SIZE, metavar="N",
                   help=f"side of the centre crop, the model's input, 1..--resize (default "
                        f"{DEFAULT_SIZE})")
    p.add_argument("--mean", type=_numbers, default=mean, metavar="R,G,B",
                   help=f"per-channel mean subtracted after scaling to [0, 1] (default ImageNet's "
                        f"{mean})")
    p.add_argument("--std", type=_numbers, default=std, metavar="R,G,B",
                   help=f"per-channel standard deviation divided by (default ImageNet's {std})")


def problems(args: argparse.Namespace) -> list[Problem]:
    """The problems of the four options (`isaacsim.oracle.images.check_preprocessing`, and
    --mean or --std that are not numbers)."""
    from isaacsim.oracle.images import IMAGENET_MEAN, IMAGENET_STD, check_preprocessing
    found = []
    values = []
    for option, value, default in (("--mean", args.mean, IMAGENET_MEAN),
                                   ("--std", args.std, IMAGENET_STD)):
        if isinstance(value, str):
            found.append(Problem(option, "", f"expected three comma-separated numbers R,G,B, "
                                             f"got {value!r}"))
            value = default  # reported; the other options are still checked
        values.append(value)
    try:
        check_preprocessing(args.resize, args.size, *values)
    except InputError as exc:
        found += exc.problems
    return found
