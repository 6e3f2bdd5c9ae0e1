"""The benchmark table: verdicts against targets, saved runs and the README's blocks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.measure import BenchRun, Row, Target, format_table, measure, reset_peak_memory
from bench.readme import write_blocks


def row(seconds: float, baseline: float, target: Target | None, **kw: object) -> Row:
    return Row("figure", "10 rows", seconds, "bare", baseline, target, **kw)  # type: ignore[arg-type]


def test_the_ratio_is_our_time_over_the_baseline_s() -> None:
    assert row(3.0, 2.0, None).ratio == pytest.approx(1.5)


def test_a_ratio_within_its_target_is_met_and_one_beyond_says_by_how_much() -> None:
    assert row(1.0, 1.0, Target(max_ratio=1.0)).verdict() == "met"
    assert row(1.3, 1.0, Target(max_ratio=1.2)).verdict() == "missed: 1.3x vs 1.2x (+8%)"


def test_a_speed_up_target_reads_as_times_faster() -> None:
    target = Target(max_ratio=1 / 8)
    assert target.describe() == "≤ 0.125x (8x faster)"
    assert row(0.2, 1.0, target).verdict() == "missed: 0.2x vs 0.125x (+60%)"
    assert row(0.1, 1.0, target).verdict() == "met"


def test_memory_and_payload_targets_are_judged_on_their_own_columns() -> None:
    target = Target(max_ratio=1.5, max_payload_mb=3.0, max_peak_mb=4000)
    assert row(1.0, 1.0, target, payload_mb=2.9, peak_mb=3999).verdict() == "met"
    verdict = row(1.0, 1.0, target, payload_mb=3.3, peak_mb=4400).verdict()
    assert verdict == "missed: 4.4e+03 MB vs 4e+03 MB (+10%); 3.3 MB vs 3 MB (+10%)"


def test_a_wrong_answer_misses_whatever_its_speed() -> None:
    assert row(0.1, 1.0, Target(max_ratio=1.0), correct=False).verdict().startswith("missed")


def test_a_row_without_target_has_no_verdict_and_is_not_counted() -> None:
    run = BenchRun("2026-12-02", "2 cores", 0.17, [10], [row(1, 1, None), row(1, 1, Target(1.0))])
    assert run.rows[0].verdict() == "-"
    assert run.summary() == "1 of 1 targets met"


def test_a_saved_run_reads_back_to_the_same_table() -> None:
    run = BenchRun(
        "2026-12-02",
        "2 cores",
        0.17,
        [10, 100],
        [row(1.2, 1.0, Target(max_ratio=1.0), peak_mb=300.0, payload_mb=2.5, note="n")],
        extra="load table",
    )
    again = BenchRun.from_json(run.to_json())
    assert again == run
    assert format_table(again.rows) == format_table(run.rows)
    assert "missed: 1.2x vs 1x (+20%)" in again.markdown()


def test_the_readme_block_is_replaced_and_the_rest_kept() -> None:
    readme = "intro\n<!-- bench:standard -->\nold\ntable\n<!-- /bench:standard -->\nafter\n"
    out = write_blocks(readme, {"standard": "new"})
    assert out == "intro\n<!-- bench:standard -->\nnew\n<!-- /bench:standard -->\nafter\n"


def test_a_readme_without_the_block_is_refused() -> None:
    with pytest.raises(SystemExit, match="bench:scale"):
        write_blocks("no blocks here", {"scale": "x"})


def test_peak_memory_is_the_figure_s_own_not_an_earlier_one_s() -> None:
    big = measure(lambda: np.ones(50_000_000).sum(), 1)  # 400 MB held briefly
    assert reset_peak_memory()
    small = measure(lambda: np.ones(1000).sum(), 1)
    assert big.peak_mb - small.peak_mb > 300


def test_an_unfinished_scale_run_is_written_saying_what_it_did_not_measure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bench.readme

    run = BenchRun("2026-12-02", "2 cores", 0.17, [10_000_000], [row(2, 1, Target(1.0))])
    run.sections, run.done = ["assignment", "imports", "exports"], ["assignment"]
    monkeypatch.setattr(bench.readme, "RESULTS", tmp_path)
    assert bench.readme.block_text("scale") is None
    (tmp_path / "sizes-10000000.unfinished.json").write_text(run.to_json())
    text = bench.readme.block_text("scale")
    assert text is not None
    assert "**An unfinished run**: it was stopped after assignment section; " in text
    assert "imports, exports not measured" in text
    # The standard block never takes an unfinished run.
    (tmp_path / "standard.unfinished.json").write_text(run.to_json())
    assert bench.readme.block_text("standard") is None
    # A finished run says nothing of the kind, and wins over an unfinished one.
    run.done = list(run.sections)
    (tmp_path / "sizes-10000000.json").write_text(run.to_json())
    assert "unfinished" not in str(bench.readme.block_text("scale"))
