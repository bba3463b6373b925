"""Scores: what filmcolor did, against a case's truth.

- ``alignment``: an aligned folder against a pair's truth.json
- ``real``: ``filmcolor align`` on every real case, what it measured beside what is known
- ``field_truth``: which source frames each picture of a decoding chain shows
- ``colour``: a rendered film's colour against the true colour
- ``real_colour``: a render of a real film case (pipelines.cases.real) against its true colour
- ``release_colour``: the colour release's own colour, as decoded and steadied, against the truth
- ``chroma_edges``: whether the release's chroma gains from the B&W scan's edges
- ``masters``: masters rendered from a scan, checked format by format
- ``readback``: a master's luma read back through ffmpeg as 16-bit grey, against the scan's
- ``stills``: a film coloured from stills against the truth (PSNR, SSIM, colour error), and floors
"""
