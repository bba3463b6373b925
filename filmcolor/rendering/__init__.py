"""Stage 3, render (``filmcolor render``): the film coloured at its own resolution, with its own
sound, from the model and, where it has the frame, the colour release.

- ``renderer``: ``render()`` and ``render_film()``: the film planned, its pieces rendered, joined
- ``plan``: what a render decides before its first frame (``RenderPlan``, ``Sources``)
- ``pieces``: the pieces cut at shots, the work folder that makes a render resumable, the join
- ``pipeline``: one piece through decode, predict, smooth and compose, encode (``render_piece``)
- ``jobs``: pieces rendered several at a time in processes of their own (``--jobs``)
- ``ray``: pieces rendered as Ray tasks across machines
- ``predictor``: the model as a source of colour (``Predictor``, ``ColourFn``)
- ``smoothing``: colour smoothed over time within shots, following motion
- ``compose``: a frame composed from the film's own luma and a colour
- ``planes``: the luma decoded at the source's depth, the frame written in the output's planes
- ``image``: a photograph coloured like a frame
- ``release``: the colour release as the source of colour (a package: its registration, its
  chroma, its neighbours, the blend with the model)
- ``stills``: painted stills as the source of colour (a package: each carried through its shot)
- ``review``: the review loop (a package: each frame's facts, the review page, the shots file and
  its decisions, OUT_report.png)
"""
