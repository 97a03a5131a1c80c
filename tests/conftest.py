"""Hypothesis profiles: CI runs derandomized (the same examples every run, so a red build is
reproducible); `python -m pytest --hypothesis-profile=explore` draws fresh examples, more of them."""

from hypothesis import settings

settings.register_profile("default", derandomize=True)
settings.register_profile("explore", derandomize=False, max_examples=500)
settings.load_profile("default")
