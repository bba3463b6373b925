"""Stage 6, render: the film coloured at its own resolution, with its own sound.

- ``renderer``: ``render()`` and ``render_film()``: the film planned in pieces, rendered, joined
- ``segments``: the pieces cut at shots, the work folder that makes a render resumable, the join
- ``pipeline``: one piece through decode, predict, smooth and compose, encode (``render_piece``)
- ``jobs``: pieces rendered several at a time in processes of their own (``--jobs``)
- ``predictor``: the model as a source of colour (``Predictor``, ``ColourFn``)
- ``release``: the colour release as the source of colour wherever it has the frame
- ``phase``: the release's picture registered on the B&W one, shot by shot
- ``chroma``: the release's chroma offset against its luma, measured and corrected per shot
- ``neighbours``: the release's chroma steadied by its neighbouring pictures', along their motion
- ``blend``: how the release's colour gives way to the model's where it lacks frames
- ``smoothing``: colour smoothed over time within shots, following motion
- ``compose``: a frame composed from the film's own luma and a colour
- ``planes``: the luma decoded at the source's depth, the frame written in the output's planes
- ``image``: a photograph coloured like a frame
- ``shots``: the shots file (``render --shots``): read, checked, written
- ``decisions``: a shots file's decisions by frame, as render obeys them (``Plan``)
- ``review``: each frame's facts gathered while composing, summed up per shot (OUT_review.json)
- ``page``: the review's files: OUT_review.html (its template ``review.html``), the JSON and
  OUT_shots.toml
- ``pictures``: OUT_report.png
"""
