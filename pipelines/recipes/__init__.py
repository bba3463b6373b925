"""Recipes: filmcolor's stages chained.

- ``film``: the whole job on one pair: align, train, evaluate, render, score (resumable)
- ``demo``: a small synthetic pair (or yours) through the whole pipeline
- ``ray_render``: a film rendered on a Ray cluster
- ``filmcolorizer``: the FilmColorizer report's table beside a pair's ``unet-rgb`` run
"""
