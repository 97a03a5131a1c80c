"""Plots of a simulation result (`isaacsim.api.simulate`): each returns its matplotlib Axes.

matplotlib is the optional extra ``plot`` (``pip install 'isaacsim[plot]'``); it is imported by the
functions, so this module imports without it. Each takes ``ax=`` to draw into an existing Axes.

* `layer_bars(result, value="energy_pj")`: one bar per layer, the mean over the images of a
  layers.csv column (``end_cycle``, ``active_pixels``, ``adc_conversions``, ...);
* `timeline(result, image=0)`: each layer's start to end cycle as a horizontal bar (the pipeline);
* `savings_histogram(result, column="compute_energy_saving")`: an images.csv column over images.
"""

from __future__ import annotations

from typing import Any

PLOT_EXTRA = "pip install 'isaacsim[plot]'"


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(f"isaacsim's plots need matplotlib: {PLOT_EXTRA}") from exc
    return plt


def _axes(ax: Any) -> Any:
    return ax if ax is not None else _pyplot().subplots()[1]


def _column(table: Any, column: str, file: str) -> Any:
    if column not in table.columns:
        numeric = [c for c in table.columns if table[c].dtype.kind in "iuf"]
        raise ValueError(f"no column {column!r} in {file}; numeric columns: {', '.join(numeric)}")
    return table[column]


def layer_bars(result: Any, value: str = "energy_pj", ax: Any = None) -> Any:
    """Bars of layers.csv column `value` per layer (network order), mean over the images."""
    _pyplot()
    layers = result.layers
    _column(layers, value, "layers.csv")
    means = layers.groupby("layer", sort=False)[value].mean()
    ax = _axes(ax)
    ax.bar(list(means.index), means.to_numpy())
    ax.set_xlabel("layer")
    ax.set_ylabel(f"{value} (mean over {layers['image_id'].nunique()} images)")
    ax.tick_params(axis="x", labelrotation=90)
    return ax


def timeline(result: Any, image: int | str = 0, ax: Any = None) -> Any:
    """Each layer of one image from its start to its end cycle (layers.csv), first layer on top.

    `image`: the position in images.csv (an int) or an image id (a string)."""
    _pyplot()
    ids = result.images["image_id"].astype(str).tolist()
    if isinstance(image, str):
        if image not in ids:
            raise ValueError(f"no image {image!r} in the result; ids: {', '.join(ids[:10])}"
                             f"{', ...' if len(ids) > 10 else ''}")
        image_id = image
    elif not -len(ids) <= image < len(ids):
        raise ValueError(f"image {image} is out of range: the result has {len(ids)} images")
    else:
        image_id = ids[image]
    layers = result.layers
    rows = layers[layers["image_id"].astype(str) == image_id]
    ax = _axes(ax)
    start = rows["start_cycle"].to_numpy()
    ax.barh(rows["layer"].tolist(), rows["end_cycle"].to_numpy() - start, left=start)
    ax.invert_yaxis()
    ax.set_xlabel("cycle")
    ax.set_ylabel("layer")
    ax.set_title(f"image {image_id}")
    return ax


def savings_histogram(result: Any, column: str = "compute_energy_saving", bins: int = 20,
                      ax: Any = None) -> Any:
    """Histogram over the images of images.csv column `column` (a saving, by default)."""
    _pyplot()
    values = _column(result.images, column, "images.csv").dropna()
    ax = _axes(ax)
    ax.hist(values.to_numpy(), bins=bins)
    ax.set_xlabel(column)
    ax.set_ylabel("images")
    return ax
