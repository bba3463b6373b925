"""Stage 6, render: the film coloured at its own resolution, with its own sound.

- ``renderer``: ``render()`` and ``render_film()``: the film planned in pieces, rendered, joined
- ``segments``: the pieces cut at shots, the work folder that makes a render resumable, the join
- ``pipeline``: one piece through decode, predict, smooth and compose, encode (``render_piece``)
- ``jobs``: pieces rendered several at a time in processes of their own (``--jobs``)
- ``predictor``: the model as a source of colour (``Predictor``, ``ColourFn``)
- ``release``: the colour release as the source of colour wherever it has the frame
- ``phase``: the release's picture registered on the B&W one, shot by shot
- ``chroma``: the release's chroma offset against its luma, measured and corrected per shot
- ``blend``: how the release's colour gives way to the model's where it lacks frames
- ``smoothing``: colour smoothed over time within shots, following motion
- ``compose``: a frame composed from the film's own luma and a colour
- ``image``: a photograph coloured like a frame
- ``pictures``: OUT_report.png
"""
