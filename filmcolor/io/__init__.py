"""Reading and writing films: what every stage stands on, and none of it needs torch.

- ``video``: probe a file or an image sequence; ``FrameReader`` streams its frames out, at the
  source's depth when asked
- ``sequence``: a folder (or printf pattern) of numbered DPX/TIFF/PNG/EXR/JPEG frames read as a film
- ``dpx``: DPX headers (frame rate, timecode) read, and DPX frames written with them
- ``timecode``: SMPTE timecode checked, moved on, packed for DPX
- ``codecs``: every output format, declared once: encoders, image file types, containers
- ``formats``: pixel formats, colour tags and the output format chosen from a name and a depth
- ``timestamps``: a variable-rate file's frames on their steady grid, the frames it lacks named
- ``decoding``: how a file's frames become pictures (a filter chain, a YCbCr matrix, seeking)
- ``writer``: ``VideoWriter`` encodes frames into a video file
- ``audio``: a film's sound (its own, or another file's) carried into a new file
- ``outputs``: a rendered film's output, file or image sequence, with its sound and timecode
- ``process``: ffmpeg as a child process: the binaries found, stderr drained, pipes widened
- ``frames``: frames by index, from a scratch file (``ScratchFrames``) or a video (``frames_at``)
- ``stream``: stages in threads joined by short queues (align and render stream through it)
- ``memory``: the C allocator maps frame-sized buffers on their own: a long render's memory stays
  flat
- ``files``: output that appears whole or not at all
- ``drawing``: PNG pictures to check a stage by: grids of frames, captions
"""
