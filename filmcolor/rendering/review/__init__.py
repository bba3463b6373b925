"""The review loop: what a restorer reads after a render, and the decisions they hand back.

- ``facts``: each frame's facts gathered while composing, summed up per shot (``Review``)
- ``page``: the review's files: OUT_review.html (its Jinja2 templates ``review.html`` and
  ``cells.html``), OUT_review.json and OUT_shots.toml
- ``shots``: the shots file (``render --shots``): read and checked
- ``shots_toml``: OUT_shots.toml written, keeping the comments of a file the render was given
- ``decisions``: a shots file's decisions by frame, as render obeys them (``Decisions``)
- ``report_plot``: OUT_report.png, where the film took the release's colour
- ``timeline``: OUT.otio (and OUT.edl), the film shot by shot for an editor
- ``carried``: each shot's still, how far its colour was carried, and the frames it was lost on
"""
