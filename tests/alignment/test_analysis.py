import json

from filmcolor.alignment.analysis import CutDetector, shot_ids
from filmcolor.io.video import FrameReader, probe


def test_cuts_found_in_grey_and_colour_releases(easy_pair):
    truth = json.loads((easy_pair / "truth.json").read_text())
    for name in ("bw", "color"):
        info = probe(easy_pair / f"{name}.mp4")
        detector = CutDetector(info.fps, grey=name == "bw")
        pix_fmt = "gray" if name == "bw" else "rgb24"
        with FrameReader(info, size=(96, 96), pix_fmt=pix_fmt) as reader:
            for batch in reader:
                detector.update(batch)
        assert detector.finish() == truth[name]["cuts"]


def test_shot_ids_count_cuts():
    assert shot_ids(6, [2, 4]).tolist() == [0, 0, 1, 1, 2, 2]
