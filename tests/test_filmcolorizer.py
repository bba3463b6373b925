"""The FilmColorizer report's table beside a pair's unet-rgb run (pipelines.recipes)."""

import logging

import pytest

from filmcolor.errors import FilmcolorError
from pipelines.recipes.filmcolorizer import run_pair, table


def test_the_table_puts_the_reports_ratios_beside_the_runs():
    base = {"colour_error": 10.0, "mse": 0.08}
    split = {
        "baseline": base,
        "model": {"colour_error": 4.0, "mse": 0.076},
        "network": {"mse": 0.02},
        "release_composed": 0.9,
    }
    text = table({"davis-x": {"splits": {s: split for s in ("train", "val", "test")}}})
    rows = text.splitlines()
    assert rows[0] == "| | train | val | test |" and len(rows) == 7
    assert "0.0912 / 0.1773 = **0.51×**" in rows[2] and "0.1780 / 0.2842 = **0.63×**" in rows[2]
    assert (
        rows[3]
        == "| davis-x: network MSE / identity's | "
        + " | ".join(["0.0200 / 0.0800 = **0.25×**"] * 3)
        + " |"
    )
    assert rows[4].endswith("| 0.95× | 0.95× | 0.95× |") and "0.90×" in rows[5]
    assert "0.40×" in rows[6]


def test_a_pair_folder_needs_both_releases(tmp_path):
    (tmp_path / "pair").mkdir()
    (tmp_path / "pair" / "bw.mp4").touch()
    with pytest.raises(FilmcolorError, match="pair: no color.mp4"):
        run_pair(tmp_path / "pair", tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_pair_is_aligned_trained_and_scored_once(easy_pair, tmp_path, caplog):
    result = run_pair(easy_pair, tmp_path / "easy", epochs=1, progress=False)
    for split in result["splits"].values():
        assert 0 < split["network"]["mse"] and 0 < split["release_composed"] < 1.2
    with caplog.at_level(logging.INFO, logger="filmcolor"):
        assert run_pair(easy_pair, tmp_path / "easy", epochs=1, progress=False) == result
    assert "already aligned" in caplog.text and "already trained" in caplog.text
    with pytest.raises(FilmcolorError, match="for 1 epochs, not of unet-rgb for 40"):
        run_pair(easy_pair, tmp_path / "easy", progress=False)
