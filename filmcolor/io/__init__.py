"""Reading and writing films: what every stage stands on, and none of it needs torch.

- ``video``: probe a file; ``FrameReader`` streams its frames out, ``VideoWriter`` encodes frames in
- ``decoding``: how a file's frames become pictures (a filter chain, a YCbCr matrix, seeking)
- ``audio``: a film's sound carried into a new file
- ``process``: ffmpeg as a child process: stderr drained, pipes widened
- ``frames``: frames by index, from a scratch file (``ScratchFrames``) or a video (``frames_at``)
- ``stream``: stages in threads joined by short queues (align and render stream through it)
- ``files``: output that appears whole or not at all
- ``pictures``: PNG pictures to check a stage by: grids of frames, captions
"""
