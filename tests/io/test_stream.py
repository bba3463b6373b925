import threading
import traceback

import pytest

from filmcolor.io.stream import Stream, running_stages


def _stage_threads():
    return running_stages()


def test_items_flow_through_the_stages_in_order():
    def double(items):
        for x in items:
            yield 2 * x

    def pairs(items):  # a stateful step: it may hold items back and emit them later
        held = []
        for x in items:
            held.append(x)
            if len(held) == 2:
                yield tuple(held)
                held = []
        if held:
            yield tuple(held)

    with Stream(maxsize=2) as s:
        out = list(s.results(s.step(s.step(s.source(range(7)), double), pairs)))
    assert out == [(0, 2), (4, 6), (8, 10), (12,)]
    assert not _stage_threads()


def test_a_failing_stage_stops_the_others_and_is_raised_with_its_traceback():
    closed = threading.Event()

    def endless():
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.set()

    def broken_step(items):
        for x in items:
            if x == 5:
                raise ValueError("bad item 5")
            yield x

    seen = []
    with pytest.raises(ValueError, match="bad item 5") as e:
        with Stream() as s:
            for x in s.results(s.step(s.source(endless()), broken_step)):
                seen.append(x)
    assert seen == list(range(len(seen))) and len(seen) <= 5, (
        "in order, and nothing after the failure"
    )
    assert "broken_step" in "".join(traceback.format_tb(e.value.__traceback__))
    assert closed.is_set(), "the source's generator was closed"
    assert not _stage_threads()


def test_a_failure_in_the_caller_stops_and_joins_every_stage():
    def endless():
        n = 0
        while True:
            yield n
            n += 1

    with pytest.raises(KeyboardInterrupt):
        with Stream() as s:
            for x in s.results(s.source(endless())):
                if x == 3:
                    raise KeyboardInterrupt
    assert not _stage_threads()


def test_a_failing_sink_is_raised_when_the_stream_ends():
    got = []

    def write(x):
        if x == 2:
            raise OSError("disk full")
        got.append(x)

    with pytest.raises(OSError, match="disk full"):
        with Stream() as s:
            s.sink(s.source(range(10)), write)
    assert got == [0, 1] and not _stage_threads()
