"""The README says what the package does: keep it true."""

from pathlib import Path

from dlscratch.chapters import list_scripts

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_chapter_table_lists_every_script_with_its_section():
    rows = {
        line.split("|")[2].strip().strip("`"): line.split("|")[1].strip()
        for line in README.splitlines()
        if line.startswith("| ") and "`ch0" in line.split("|")[2]
    }
    scripts = list_scripts()
    assert len(scripts) >= 40
    assert {s.name: s.section for s in scripts} == rows


def test_readme_maps_every_book_module_to_ours():
    for book, ours in [
        ("dataset.mnist", "dlscratch.datasets"),
        ("common.functions", "dlscratch.functions"),
        ("common.layers", "dlscratch.layers"),
        ("common.optimizer", "dlscratch.optimizers"),
        ("common.trainer", "dlscratch.trainer"),
        ("common.util", "dlscratch.util"),
    ]:
        assert f"from {book} import" in README and f"from {ours} import" in README
