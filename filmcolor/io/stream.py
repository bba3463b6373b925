"""Stages of a stream, each in its own thread, joined by short queues.

Decoding, inference, composition and encoding each wait on something different (a pipe, the
cores, the GIL-free parts of numpy and OpenCV), so they overlap when each runs in a thread; the
queues between them are short, so memory does not grow with the film. ``Stream`` gives that shape
once, for align and render alike:

    with Stream() as s:
        frames = s.source(reader)                 # a thread iterates the reader
        # a thread maps items to items (a generator function)
        colours = s.step(frames, colourize)
        for item in s.results(colours):           # the caller's thread takes the results
            writer.write(item)

Each channel ends with an end marker. The first failure in any stage stops every other stage (a
stage waiting on a queue wakes at once) and is raised in the caller's thread with its own
traceback; a failure or Ctrl-C in the caller stops and joins every stage too. No stage is left
behind: leaving the ``with`` block waits for them all.

The stages run on threads of one pool the process keeps, reused from stream to stream rather than
started anew: PyTorch's OpenMP keeps a team of worker threads for each thread that calls it, and
never frees the teams of threads that have ended, so a film rendered in pieces, each with an
inference thread of its own, grew by about 180 MB a piece.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait

_END = object()
_POOL = ThreadPoolExecutor(max_workers=64, thread_name_prefix="filmcolor-stage")
_running = [0]  # stages running now, in every stream of the process
_running_lock = threading.Lock()


def running_stages() -> int:
    """How many stages of any stream are running now (none once every stream has ended)."""
    with _running_lock:
        return _running[0]


class _Stopped(Exception):
    """Raised inside a stage when the stream is stopping: the stage ends quietly."""


class Channel:
    """A bounded queue between two stages that a stopping stream can wake."""

    def __init__(self, stream: Stream, maxsize: int):
        self._stream, self._maxsize = stream, maxsize
        self._items: deque = deque()
        self._ready = threading.Condition()

    def put(self, item) -> None:
        with self._ready:
            while len(self._items) >= self._maxsize and not self._stream.stopping:
                self._ready.wait()
            if self._stream.stopping:
                raise _Stopped
            self._items.append(item)
            self._ready.notify_all()

    def __iter__(self) -> Iterator:
        """The items until the end marker (raises _Stopped if the stream stops first)."""
        while True:
            with self._ready:
                while not self._items and not self._stream.stopping:
                    self._ready.wait()
                if self._stream.stopping:
                    raise _Stopped
                item = self._items.popleft()
                self._ready.notify_all()
            if item is _END:
                return
            yield item

    def wake(self) -> None:
        with self._ready:
            self._ready.notify_all()


class Stream:
    """Threads joined by channels; see the module's docstring."""

    def __init__(self, maxsize: int = 4):
        self.maxsize = maxsize
        self.stopping = False
        self._failure: BaseException | None = None
        self._lock = threading.Lock()
        self._channels: list[Channel] = []
        self._stages: list = []  # the stages' futures

    def source(self, items: Iterable) -> Channel:
        """A stage that iterates ``items`` (a reader, a generator) in its own thread."""
        out = self._channel()
        self._start(lambda: self._feed(items, out))
        return out

    def step(self, inputs: Channel | tuple[Channel, ...], fn: Callable[..., Iterable]) -> Channel:
        """A stage that turns the items of ``inputs`` into new ones: ``fn`` takes an iterator of
        them (one per channel, when given several) and returns an iterable (a generator function
        can keep state and look ahead). Each input must be read to its end."""
        out = self._channel()
        channels = inputs if isinstance(inputs, tuple) else (inputs,)
        self._start(lambda: self._feed(fn(*(iter(c) for c in channels)), out))
        return out

    def sink(self, inputs: Channel, fn: Callable[[object], None]) -> None:
        """A stage that hands every item of ``inputs`` to ``fn`` (e.g. a file writer)."""

        def consume():
            for item in inputs:
                fn(item)

        self._start(consume)

    def results(self, inputs: Channel) -> Iterator:
        """The items of ``inputs``, in the caller's thread; a stage's failure is raised here."""
        finished = False
        try:
            yield from inputs
            finished = True
        except _Stopped:
            self._raise_failure()
            raise
        finally:
            if not finished:  # the caller stopped early: so do the stages feeding it
                self.stop()

    def stop(self) -> None:
        """Make every stage end soon: each one waiting on a channel wakes and ends."""
        self.stopping = True
        for ch in self._channels:
            ch.wake()

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is not None:
            self.stop()
        try:
            wait(self._stages)
        except BaseException:  # Ctrl-C while waiting: stop the stages, then wait for them
            self.stop()
            wait(self._stages)
            raise
        if exc is None or isinstance(exc, _Stopped):
            self._raise_failure()
        return False

    def _channel(self) -> Channel:
        ch = Channel(self, self.maxsize)
        self._channels.append(ch)
        return ch

    def _start(self, body: Callable[[], None]) -> None:
        self._stages.append(_POOL.submit(self._run, body))

    def _run(self, body: Callable[[], None]) -> None:
        with _running_lock:
            _running[0] += 1
        try:
            body()
        except _Stopped:
            pass
        except BaseException as e:  # the first failure is the one the caller sees
            with self._lock:
                if self._failure is None:
                    self._failure = e
            self.stop()
        finally:
            with _running_lock:
                _running[0] -= 1

    @staticmethod
    def _feed(items: Iterable, out: Channel) -> None:
        iterator = iter(items)
        try:
            for item in iterator:
                out.put(item)
            out.put(_END)
        finally:  # clean-up runs now, not when collected: a generator's, a reader's (its ffmpeg)
            for thing in (iterator, items):
                close = getattr(thing, "close", None)
                if close:
                    close()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure
