"""Benchmarks: speed and memory, printed as figures (never asserted). ``python -m pipelines.bench``
runs align, train, render and master one after another.

- ``common``: timing a command and its peak memory, the film pair, the JSON
- ``align``, ``train``, ``render``, ``master``: each stage against its floor (ffmpeg alone, the
  model's own step rate, a plain transcode)
- ``release``: ``render --reference`` with a DVD release against a transcode
- ``long``: a feature-length film: align, train and render at 10, 30 and 100 minutes
- ``resume``: a render killed and resumed, and in two processes, against one uninterrupted
- ``review``: what the review costs a render
- ``review_page``: how soon a feature film's review page (1,500 shots) is usable in Chromium
- ``rerender``: one shot's decision changed, the film rendered again, against a whole render
- ``restarts``: what an encoder of its own for every shot costs
"""
