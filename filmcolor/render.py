"""Colorize a black-and-white film (or a photograph) with a trained model, at the film's own resolution.

The pipeline streams: a thread decodes the film's luma with ffmpeg, another predicts colour in
batches, the main thread smooths it and composes frames, another feeds them to the encoder. Queues between them are
short, so memory does not grow with the film. For each frame:

1. The picture inside any bars (found once from the film's keyframes) is resized to the model's size
   and the model predicts RGB; only its chroma (Cr, Cb) is kept.
2. Chroma is smoothed over time, following motion (optical flow), with a window that never
   reaches across a shot cut (PySceneDetect finds the cuts as frames go by): less flicker.
3. The smoothed chroma is upsampled to full resolution by a guided filter on the film's own luma
   and recombined with that luma, so every detail of the original picture is kept; bars stay black.

The film's audio streams are copied into the output. The output is written under a temporary name
and renamed when complete: an error or Ctrl-C leaves nothing behind.
"""

from __future__ import annotations

import bisect
import logging
import math
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from tqdm import tqdm

from .color import TV_TO_FULL, chroma, compose, fit_gamut, guided_upsample, to_i420
from .errors import FilmcolorError, VideoError
from .files import atomic_file, check_new_output
from .model import LoadedModel, load_model, to_input, to_rgb8
from .shots import CutDetector
from .video import FrameReader, PictureArea, VideoInfo, VideoWriter, probe

log = logging.getLogger("filmcolor")

_BLOCK = np.ones((2, 2), np.uint8)  # a chroma sample's 2x2 pixels in I420
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}
COLOUR_WARNING = 4.0  # mean |chroma| of keyframes above which an input is taken for a colour film


@dataclass
class RenderResult:
    out: Path
    frames: int
    seconds: float


class Predictor:
    """Batched inference: full-resolution luma frames in, low-resolution chroma (n, s, s, 2) out."""

    def __init__(self, model: LoadedModel, device: str = "auto"):
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        try:
            self.device = torch.device(device)
            self.net = model.net.to(self.device)
        except (RuntimeError, AssertionError) as e:
            raise FilmcolorError(f"--device {device}: not usable here ({e})") from None
        if self.device.type == "cpu":
            self.net = self.net.to(memory_format=torch.channels_last)
        self.size = model.size
        self.bf16 = self.device.type == "cuda" and torch.cuda.is_bf16_supported()

    @torch.inference_mode()
    def __call__(self, pictures: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Chroma (n, s, s, 2) predicted for full-range luma pictures (n, h, w), and the model-size
        luma it was predicted from."""
        small = np.stack([cv2.resize(f, (self.size, self.size), interpolation=cv2.INTER_AREA) for f in pictures])
        grey = to_input(small).to(self.device)
        if self.device.type == "cpu":
            grey = grey.contiguous(memory_format=torch.channels_last)
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            rgb = to_rgb8(self.net(grey).float())
        return np.stack([chroma(f) for f in rgb]), small


class ChromaSmoother:
    """Motion-compensated smoothing of chroma over time within shots, with the look-ahead it needs.

    Each frame's chroma is averaged with its neighbours' (Gaussian weights, ``sigma`` in frames),
    each neighbour first warped onto the frame by optical flow (Farneback, at the model's size) so
    colour follows what moves instead of trailing it; pixels the flow gets wrong (their warped luma
    differs) count less. Neighbours across a shot cut never count. Frames go in with ``push`` and
    come out of ``pop_ready`` once the frames after them in their window, and the cut detector's
    verdict on them, are known. ``sigma`` 0 turns smoothing off.
    """

    def __init__(self, fps, sigma: float):
        self.radius = int(math.ceil(2 * sigma)) if sigma > 0 else 0
        self.weights = np.exp(-0.5 * (np.arange(-self.radius, self.radius + 1) / max(sigma, 1e-6)) ** 2).astype(np.float32)
        self.cuts = CutDetector(fps, gray=True) if self.radius else None
        self.lookahead = self.radius + self.cuts.latency if self.cuts else 0
        self.items: deque = deque()  # (index, chroma, luma, payload), oldest first
        self.flows: dict[tuple[int, int], np.ndarray] = {}  # (t, t +- 1) -> flow from frame t to it
        self.seen = 0
        self.next_out = 0

    def push(self, small_luma: np.ndarray, crcb: np.ndarray, payloads: list) -> None:
        if self.cuts:
            self.cuts.update(small_luma)
        for luma, c, p in zip(small_luma, crcb, payloads):
            if self.radius and self.items:
                prev = self.items[-1][2]
                self.flows[(self.seen - 1, self.seen)] = _flow(prev, luma)
                self.flows[(self.seen, self.seen - 1)] = _flow(luma, prev)
            self.items.append((self.seen, c, luma, p))
            self.seen += 1

    def _shot(self, index: int) -> int:
        return bisect.bisect_right(self.cuts.cuts, index)

    def _neighbours(self, t: int, step: int, grid: np.ndarray):
        """(k, chroma, luma) of frames t + k, k = step, 2 step, ... in t's window and shot, each sampled
        where frame t's pixels moved to (the flows between neighbours chained)."""
        where = grid.copy()
        shot, first, last = self._shot(t), self.items[0][0], self.items[-1][0]
        for k in range(step, step * (self.radius + 1), step):
            if not first <= t + k <= last or self._shot(t + k) != shot:
                return
            where += cv2.remap(self.flows[(t + k - step, t + k)], where[..., 0], where[..., 1], cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
            _, c, luma, _ = self.items[t + k - first]
            yield k, *(cv2.remap(x, where[..., 0], where[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
                       for x in (c, luma.astype(np.float32)))

    def pop_ready(self, final: bool = False) -> list[tuple[np.ndarray, object]]:
        """(smoothed chroma, payload) of every frame whose window is complete, in order."""
        if final and self.cuts:
            self.cuts.finish()
        out = []
        while self.items and self.next_out <= self.items[-1][0] and (final or self.next_out + self.lookahead < self.seen):
            t = self.next_out
            _, c, luma, payload = self.items[t - self.items[0][0]]
            if self.radius:
                h, w = luma.shape
                grid = np.dstack(np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32)))
                acc, total = c * self.weights[self.radius], np.full((h, w, 1), self.weights[self.radius], np.float32)
                for step in (-1, 1):
                    for k, chroma_k, luma_k in self._neighbours(t, step, grid):
                        trust = np.exp(-(((luma_k - luma) / 12.0) ** 2))[..., None]  # where the warp holds
                        weight = self.weights[k + self.radius] * trust
                        acc += weight * chroma_k
                        total += weight
                c = (acc / total).astype(np.float32)
            out.append((c, payload))
            self.next_out += 1
            while self.items and self.items[0][0] < self.next_out - self.radius:
                gone = self.items.popleft()[0]
                self.flows.pop((gone, gone + 1), None)
                self.flows.pop((gone + 1, gone), None)
        return out


def _flow(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dense optical flow from frame a to frame b (small grey uint8 frames): where a's pixels are in b."""
    return cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 2, 9, 3, 5, 1.1, 0)


def _scan(info: VideoInfo, start: float | None, duration: float | None, most: int = 320) -> tuple[tuple[float, float, float, float], float]:
    """Picture area and mean colourfulness of the film (or excerpt), from its first ``most`` keyframes.

    Decoding keyframes alone is quick, and encoders put them at shot changes, so they sample the film."""
    area, colour, n = PictureArea(128), 0.0, 0
    reader = FrameReader(info, size=(128, 128), keyframes=True, start=start, duration=duration, batch=16)
    for batch in reader:
        area.update(cv2.cvtColor(batch.reshape(-1, 128, 3), cv2.COLOR_RGB2GRAY).reshape(batch.shape[:3]))
        colour += float(np.abs(chroma(batch.reshape(-1, 128, 3))).mean()) * len(batch)
        n += len(batch)
        if n >= most:
            reader.close()
            break
    return area.box(), colour / max(n, 1)


def _pixel_box(box, width: int, height: int) -> tuple[int, int, int, int]:
    """Fractions to pixels, rounded to even coordinates, at least 2x2 pixels."""
    x0, y0, x1, y1 = (2 * int(round(v * n / 2)) for v, n in zip(box, (width, height, width, height)))
    return x0, y0, max(x1, x0 + 2), max(y1, y0 + 2)


def render(
    src: str | Path,
    out: str | Path,
    *,
    model: str | Path | None = None,
    strength: float | None = None,
    device: str = "auto",
    batch_size: int = 16,
    smooth: float = 2.0,
    crf: int = 18,
    preset: str = "medium",
    codec: str = "libx264",
    start: float | None = None,
    duration: float | None = None,
    side_by_side: bool = False,
    overwrite: bool = False,
    progress: bool = False,
) -> RenderResult:
    """Colorize ``src`` (a film, or a photograph by its suffix) into ``out`` with a trained model."""
    src, out = Path(src), Path(out)
    image = src.suffix.lower() in IMAGE_SUFFIXES
    if image != (out.suffix.lower() in IMAGE_SUFFIXES):
        raise FilmcolorError(f"{out}: an {'image' if image else 'film'} must be written as "
                             f"{'an image (.png, .jpg, ...)' if image else 'a video (.mp4, .mkv, ...)'}")
    if smooth < 0 or (duration is not None and duration <= 0) or (start is not None and start < 0):
        raise FilmcolorError(f"--smooth and --start must be 0 or more and --duration above 0 "
                             f"(got {smooth}, {start}, {duration})")
    check_new_output(out, overwrite, "output")
    loaded = load_model(model, strength)
    if image:
        return _render_image(src, out, loaded, device, side_by_side, overwrite)
    info = probe(src)
    if start is not None and start >= info.duration:
        raise FilmcolorError(f"{src}: --start {start} is past its end ({info.duration:.1f} s)")
    width = info.width * (2 if side_by_side else 1)
    if info.width % 2 or info.height % 2:
        raise VideoError(f"{src}: its frame size {info.width}x{info.height} is odd, which video in yuv420p cannot "
                         f"store; crop it first (ffmpeg -i {src.name} -vf crop=iw-mod(iw\\,2):ih-mod(ih\\,2) ...)")
    box_f, colourfulness = _scan(info, start, duration)
    if colourfulness > COLOUR_WARNING:
        log.warning("%s looks like a colour film; its luminance is used as the black-and-white picture", src)
    box = _pixel_box(box_f, info.width, info.height)  # even coordinates: the chroma planes are half size
    predictor = Predictor(loaded, device)
    smoother = ChromaSmoother(info.fps, smooth)
    expected = info.frames
    if start is not None or duration is not None:
        span = min(duration or info.duration, info.duration - (start or 0.0))
        expected = int(round(span * float(info.fps)))
    t0 = time.perf_counter()
    with atomic_file(out, overwrite) as tmp:
        writer = VideoWriter(tmp, width, info.height, info.fps, audio_from=src if info.audio else None,
                             audio_start=start, audio_duration=duration, codec=codec, crf=crf, preset=preset,
                             source_pix_fmt="yuv420p", sar=info.sar)
        frames = _stream(info, box, predictor, smoother, writer, start, duration, side_by_side, expected, progress, batch_size)
    return RenderResult(out, frames, time.perf_counter() - t0)


def _stream(info, box, predictor, smoother, writer, start, duration, side_by_side, expected, progress, batch_size) -> int:
    """Decode -> predict -> smooth and compose -> encode, each in its own thread (composing in this one)."""
    decoded: queue.Queue = queue.Queue(maxsize=4)
    predicted: queue.Queue = queue.Queue(maxsize=4)
    encoded: queue.Queue = queue.Queue(maxsize=4)
    stop = threading.Event()  # set when the main loop ends, for whatever reason, or the encoder fails
    failures: list[BaseException] = []
    x0, y0, x1, y1 = box
    half_size = ((x1 - x0) // 2, (y1 - y0) // 2)

    def decode():
        def luma():  # the Y planes; the reader starts inside _feed, so that its failure is kept too
            for batch in FrameReader(info, pix_fmt="yuv420p", start=start, duration=duration, batch=batch_size):
                yield batch[:, : info.height]

        _feed(luma(), decoded, stop, failures)

    def predict():
        def predictions():
            while (batch := _get(decoded, stop)) is not None:
                # The picture at the I420 chroma planes' size: what the model sees (resized further)
                # and what guides the chroma back up.
                halves = TV_TO_FULL[np.stack([cv2.resize(f[y0:y1, x0:x1], half_size, interpolation=cv2.INTER_AREA) for f in batch])]
                yield (batch, halves, *predictor(halves))

        _feed(predictions(), predicted, stop, failures)

    def encode():
        try:
            while (item := _get(encoded, stop)) is not None:
                writer.write(item)
            if not stop.is_set():
                writer.close()
        except BaseException as e:
            failures.append(e)
            stop.set()

    threads = [threading.Thread(target=f, daemon=True) for f in (decode, predict, encode)]
    for t in threads:
        t.start()
    bar = tqdm(total=expected, unit="frame", desc="rendering", disable=not progress, smoothing=0.1)
    written = 0
    try:
        while True:
            item = _get(predicted, stop)
            if failures:
                break
            final = item is None
            if not final:
                batch, halves, crcb, small = item
                smoother.push(small, crcb, list(zip(batch, halves)))
            frames = []
            for c, (y, half) in smoother.pop_ready(final):
                # Chroma kept within what the darkest and brightest pixel of each 2x2 block can carry.
                cr, cb = guided_upsample(c, half)
                picture = y[y0:y1, x0:x1]
                low, high = (TV_TO_FULL[op(picture, _BLOCK, anchor=(0, 0))[::2, ::2]].astype(np.float32) for op in (cv2.erode, cv2.dilate))
                cr, cb = fit_gamut(low, high, cr, cb)
                frame = to_i420(y, cr, cb, box)
                if side_by_side:
                    frame = _side_by_side(y, frame)
                frames.append(frame)
            if frames:
                _put(encoded, np.stack(frames), stop)
                written += len(frames)
                bar.update(len(frames))
            if final:
                break
        if not failures:
            _put(encoded, None, stop)
            threads[2].join()
    except BaseException:
        _halt(stop, threads, writer)
        raise
    finally:
        bar.close()
    stop.set()
    if failures:
        _halt(stop, threads, writer)
        raise failures[0]
    return written


def _halt(stop: threading.Event, threads: list[threading.Thread], writer: VideoWriter) -> None:
    """Stop every stage: each thread sees ``stop`` within a batch; then the encoder is killed."""
    stop.set()
    for t in threads:
        t.join(timeout=30)
    writer.abort()


def _side_by_side(y: np.ndarray, frame: np.ndarray) -> np.ndarray:
    """I420 of the B&W frame (neutral chroma) left of the colorized one."""
    h, w = y.shape
    n = h * w // 4
    planes = [frame[: h * w].reshape(h, w), frame[h * w : h * w + n].reshape(h // 2, w // 2), frame[h * w + n :].reshape(h // 2, w // 2)]
    grey = [y, np.full_like(planes[1], 128), np.full_like(planes[2], 128)]
    return np.concatenate([np.hstack([g, p]).ravel() for g, p in zip(grey, planes)])


def _feed(items, q: queue.Queue, stop: threading.Event, failures: list[BaseException]) -> None:
    """Put each of ``items`` into ``q``, then None to say they ended; a failure making them is kept in
    ``failures`` (and ends them too)."""
    try:
        for item in items:
            if not _put(q, item, stop):
                return
    except BaseException as e:
        failures.append(e)
    _put(q, None, stop)


def _put(q: queue.Queue, item, stop: threading.Event) -> bool:
    """Put, waiting for room unless ``stop`` is set; True if the item went in."""
    while not stop.is_set():
        try:
            q.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _get(q: queue.Queue, stop: threading.Event):
    """Get, waiting unless ``stop`` is set (then None)."""
    while not stop.is_set():
        try:
            return q.get(timeout=0.1)
        except queue.Empty:
            continue
    return None


def _render_image(src: Path, out: Path, loaded: LoadedModel, device: str, side_by_side: bool, overwrite: bool) -> RenderResult:
    t0 = time.perf_counter()
    img = cv2.imread(str(src), cv2.IMREAD_COLOR)
    if img is None:
        raise FilmcolorError(f"{src}: not a readable image")
    rgb = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    if float(np.abs(chroma(rgb)).mean()) > COLOUR_WARNING:
        log.warning("%s is a colour image; its luminance is used as the black-and-white picture", src)
    luma = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)[..., 0]
    predictor = Predictor(loaded, device)
    crcb, _ = predictor(luma[None])
    result = compose(luma, *guided_upsample(crcb[0], luma))
    if side_by_side:
        result = np.hstack([cv2.cvtColor(luma, cv2.COLOR_GRAY2RGB), result])
    with atomic_file(out, overwrite) as tmp:
        if not cv2.imwrite(str(tmp), cv2.cvtColor(result, cv2.COLOR_RGB2BGR)):
            raise FilmcolorError(f"{out}: could not be written as an image (is {out.suffix} a format OpenCV writes?)")
    return RenderResult(out, 1, time.perf_counter() - t0)
