"""Runnable scripts around filmcolor, run from the repository (not installed), by kind:

- ``recipes``: the stages chained: the whole job on a pair (``film``), the demo, Ray rendering
- ``bench``: speed and memory benchmarks (``python -m pipelines.bench`` runs them all)
- ``cases``: test films made with known truth: synthetic pairs, SD releases as they come, long pairs
- ``scores``: what filmcolor did, scored against a case's truth (alignment, colour, masters)
- ``tools``: helpers for people: the docs' option tables, the review page in a browser, pictures
  of frames, a file's fields
"""
