"""docs/benchmarks.md: each benchmark replaces only its own marked section."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.machine import HEADER, preamble, write_section


def test_write_section_creates_the_document_with_its_header(tmp_path: Path) -> None:
    doc = tmp_path / "docs" / "benchmarks.md"
    write_section("scoring-http", "Scoring over HTTP", "| a |\n|---|\n| 1 |", doc=doc)
    text = doc.read_text()
    assert text.startswith(HEADER)
    assert "<!-- bench:scoring-http -->\n## Scoring over HTTP\n\n| a |" in text
    assert text.rstrip().endswith("<!-- /bench:scoring-http -->")


def test_write_section_replaces_only_its_own_section(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    write_section("first", "First", "old first", doc=doc)
    write_section("second", "Second", "second stays", doc=doc)
    write_section("third", "Third", "third stays", doc=doc)
    write_section("first", "First", "new first\n\n## a heading inside the body", doc=doc)
    text = doc.read_text()
    assert "old first" not in text
    assert text.count("<!-- bench:first -->") == 1
    assert text.count("new first") == 1
    assert "second stays" in text
    assert "third stays" in text
    # The order of sections is kept: a rewritten section stays where it was.
    assert text.index("new first") < text.index("second stays") < text.index("third stays")


def test_write_section_keeps_hand_written_text_outside_markers(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nA note by hand.\n")
    write_section("load", "Load", "figures", doc=doc)
    write_section("load", "Load", "newer figures", doc=doc)
    text = doc.read_text()
    assert text.startswith("# Benchmarks\n\nA note by hand.\n")
    assert "newer figures" in text
    assert "figures\n<!-- /bench:load -->" not in text.replace("newer figures", "")


@pytest.mark.parametrize("key", ["", "Scoring", "two words", "a/b", "x" * 65])
def test_write_section_rejects_unusable_keys(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError, match="section key"):
        write_section(key, "Title", "body", doc=tmp_path / "benchmarks.md")


def test_preamble_names_machine_versions_and_load() -> None:
    text = preamble()
    assert text.startswith("Machine: ")
    assert "lightgbm " in text
    assert "Load average at the start" in text
