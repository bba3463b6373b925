"""Stage 1, align (``filmcolor align``): how a B&W and a colour release of a film line up, written
as synced pairs.

- ``aligner``: ``align()``, the steps put together, and the pairs written (step 6)
- ``fields``: how the colour release's frames are made of fields, measured, and its decoding chain
- ``kinds``: the kinds of fields, declared once: each one's cadence, decoding chain, ``--fields``
- ``windows``: each second of a video given a kind of fields, from ffprobe's flags and idet
- ``stretches``: where each kind lies in a release that mixes them, cut to the frame
- ``decode``: both releases decoded once into small frames on disk (step 1)
- ``overlays``: what stays put on a release (a logo, a watermark), found and left out
- ``cuts``: the film's shots: its own cuts and the colour release's mapped onto it
- ``analysis``: shot cuts (PySceneDetect) and the picture area inside bars, as frames go by
- ``matching``: frame descriptors, matches, the slope and candidate offsets (steps 2, 3)
- ``offsets``: which offset, or none, each B&W frame takes (step 4)
- ``registration``: the picture both releases share (step 5)
- ``folder``: the aligned folder (``AlignedFolder``, ``Manifest``), the format later stages read
- ``plots``: alignment.png and release.png
- ``stills`` and ``still_pairs``: painted stills as the colour release, each found in the film by
  content and written as a pair

Needs no torch.
"""
