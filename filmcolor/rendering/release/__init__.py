"""The colour release as the source of colour, wherever it has the frame.

- ``source``: ``Release`` and ``load_release``: the release decoded beside the film, registered,
  its colour put on the film's lightness
- ``phase``: the release's picture registered on the B&W one, shot by shot
- ``chroma``: the release's chroma offset against its luma, measured and corrected per shot
- ``neighbours``: the release's chroma steadied by its neighbouring pictures', along their motion
- ``blend``: how the release's colour gives way to the model's where it lacks frames
"""
