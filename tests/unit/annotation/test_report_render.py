"""The HTML report: parsed with html.parser and checked against the annotation parquet it was made from."""

from __future__ import annotations

import json
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest
from genolake_annotation.modules import annotate, build_longevity_module, compile_module
from genolake_annotation.report import AnnotationFrames, load_annotation_frames, render_report, write_report

from tests.unit.annotation.test_modules_support import (
    bcftools_records,
    derived_longevity_db,
    derived_rows,
    normalized,
    write_spec,
)

EVIL = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>"


class Page(HTMLParser):
    """Every start tag (name, attrs), the text of the document, and the text inside each tag id."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def find(self, tag: str, **attrs: str | bool) -> list[dict[str, str | None]]:
        out = []
        for name, got in self.tags:
            if name != tag:
                continue
            keys = {k: k.rstrip("_").replace("_", "-") for k in attrs}
            if all(keys[k] in got and (v is True or got[keys[k]] == v) for k, v in attrs.items()):
                out.append(got)
        return out

    def with_attr(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for _, attrs in self.tags if name in attrs]


@pytest.fixture(scope="module")
def annotated(tmp_path_factory: pytest.TempPathFactory, test_data: Path, chr22_vcf: Path) -> Path:
    work = tmp_path_factory.mktemp("report")
    records = bcftools_records(chr22_vcf, "HG00097")
    db = derived_longevity_db(test_data / "modules" / "longevitymap.sqlite", work / "lm.sqlite", records)
    rs_rows = derived_rows(records, every=30, rsid=True, position=False)
    studies = [
        {
            "rsid": row["rsid"],
            "pmid": str(10_000 + i),
            "population": "European",
            "conclusion": f"study of {row['rsid']}",
        }
        for i, row in enumerate(rs_rows)
        if i % 2 == 0
    ]
    studies = list({s["rsid"]: s for s in studies}.values())
    modules = [
        build_longevity_module(db, work / "longevitymap"),
        compile_module(test_data / "modules" / "mthfr_nad", work / "mthfr_nad"),
        compile_module(
            write_spec(work / "spec", "derived_rs", rs_rows, genome_build="GRCh37", studies=studies),
            work / "drs",
        ),
    ]
    out = work / "out"
    annotate(normalized(chr22_vcf, "HG00097", work), modules, out, run_id="run-42")
    return out


@pytest.fixture
def prs() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "pgs_id": ["PGS000001", "PGS000002"],
            "score_sum": [0.25, -1.5],
            "variants_matched": [93, 41],
            "variants_total": [100, 100],
            "match_rate": [0.93, 0.41],
            "percentile": [62.5, None],
            "percentile_reason": [None, "no reference distribution"],
        }
    )


def test_category_totals_match_the_parquet(annotated: Path, prs: pl.DataFrame) -> None:
    html = render_report(annotated, {"user": "alice", "sample": "HG00097", "batch_id": "b-1"}, prs)
    page = Page(html)
    frame = pl.read_parquet(annotated / "annotations.parquet")
    longevity = frame.filter(pl.col("module") == "longevitymap")
    assert longevity.height > 0
    sums = defaultdict(
        float, {c: s for c, s in longevity.group_by("category").agg(pl.col("weight").sum()).iter_rows()}
    )
    counts = dict(longevity.group_by("category").len().iter_rows())
    manifest = json.loads((annotated / "lineage.json").read_text())["modules"][0]
    rows = page.find("tr", class_="category-total", data_module="longevitymap")
    assert [r["data-category"] for r in rows] == manifest["categories"]  # all 12, in manifest order
    assert len(rows) == 12
    for row in rows:
        category = str(row["data-category"])
        assert float(str(row["data-total"])) == pytest.approx(sums[category], abs=1e-12)
        assert int(str(row["data-count"])) == counts.get(category, 0)
    assert sum(1 for r in rows if float(str(r["data-total"])) != 0) >= 2
    for module, total in frame.group_by("module").agg(pl.col("weight").sum()).iter_rows():
        (strong,) = page.find("strong", data_module_total=module)
        assert float(str(strong["data-total"])) == pytest.approx(total, abs=1e-12)
    assert len(page.find("tr", class_="variant")) == frame.height
    for module, n in frame.group_by("module").len().iter_rows():
        assert len(page.find("tr", class_="variant", data_module=module)) == n
    # the category chart is an inline SVG with one bar per category
    assert any(tag == "svg" for tag, _ in page.tags)
    text = "".join(page.text)
    assert "alice/HG00097" in text and "run-42" in text and "b-1" in text
    for module in manifest, *json.loads((annotated / "lineage.json").read_text())["modules"][1:]:
        assert module["version"] in text and module["files"]["weights.parquet"]["sha256"] in text


def test_self_contained_offline(annotated: Path, prs: pl.DataFrame) -> None:
    html = render_report(annotated, {}, prs)
    page = Page(html)
    assert "<script" not in html.lower()
    assert (
        not page.find("script") and not page.find("link") and not page.find("iframe") and not page.find("img")
    )
    for attrs in page.with_attr("src"):
        raise AssertionError(f"external asset: {attrs}")
    for _, attrs in page.tags:
        for key, value in attrs.items():
            if key == "style" and value:
                assert "url(" not in value
    (csp,) = page.find("meta", http_equiv="Content-Security-Policy")
    assert "default-src 'none'" in str(csp["content"])
    links = [a["href"] for a in page.find("a") if a.get("href") and not str(a["href"]).startswith("#")]
    assert links and all(str(h).startswith("https://pubmed.ncbi.nlm.nih.gov/") for h in links)


def test_studies_are_expandable(annotated: Path) -> None:
    page = Page(render_report(annotated, {}, None))
    frame = pl.read_parquet(annotated / "annotations.parquet")
    studies = pl.read_parquet(annotated / "studies.parquet")
    with_studies = frame.join(studies.select("module", "rsid").unique(), on=["module", "rsid"], how="semi")
    assert with_studies.height > 0
    assert len(page.find("details", class_="studies")) == with_studies.height
    hrefs = {str(a["href"]) for a in page.find("a") if str(a.get("href", "")).startswith("https://")}
    for pmid in studies["pmid"]:
        assert f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" in hrefs


def test_prs_section_only_with_results(annotated: Path, prs: pl.DataFrame) -> None:
    page = Page(render_report(annotated, {}, prs))
    rows = page.find("tr", data_pgs=True)
    assert [r["data-pgs"] for r in rows] == prs["pgs_id"].to_list()
    assert [(int(str(r["data-matched"])), int(str(r["data-total"]))) for r in rows] == list(
        zip(prs["variants_matched"], prs["variants_total"], strict=True)
    )
    text = "".join(page.text)
    assert "no reference distribution" in text and "62.5" in text
    for empty in (None, prs.clear()):
        html = render_report(annotated, {}, empty)
        assert 'id="prs"' not in html
    with pytest.raises(ValueError, match="lacks column"):
        render_report(annotated, {}, prs.drop("percentile"))


def test_malicious_module_text_is_escaped(tmp_path: Path, antku_vcf: Path) -> None:
    records = bcftools_records(antku_vcf, "default")
    rows = derived_rows(records, every=11, rsid=False, position=True)
    for row in rows:
        row.update(conclusion=EVIL, gene=EVIL, phenotype=EVIL, category=EVIL)
    spec = write_spec(tmp_path / "spec", "evil", rows, layout="categories")
    text = (spec / "module_spec.yaml").read_text().replace("title: Test evil", f"title: {json.dumps(EVIL)}")
    (spec / "module_spec.yaml").write_text(text)
    out = tmp_path / "out"
    annotate(normalized(antku_vcf, "default", tmp_path), [compile_module(spec, tmp_path / "evil")], out)
    assert pl.read_parquet(out / "annotations.parquet").height > 0
    frames = load_annotation_frames(out)
    frames.lineage["modules"][0]["color"] = "red; background: url(http://evil.example/x.png)"
    html = render_report(frames, {"note": EVIL}, None)
    assert EVIL not in html
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(" in html
    assert "evil.example" not in html
    page = Page(html)
    assert not page.find("script") and not page.find("img")
    assert EVIL in "".join(page.text)  # shown as text
    assert [r["data-category"] for r in page.find("tr", class_="category-total")] == [EVIL]


def test_write_report_is_atomic(annotated: Path, tmp_path: Path) -> None:
    target = tmp_path / "deep" / "report.html"
    target.parent.mkdir()
    target.write_text("old")
    assert write_report(annotated, {"user": "u"}, None, target) == target
    assert target.read_text().startswith("<!DOCTYPE html>")
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]
    with pytest.raises(FileNotFoundError, match="not an annotation output folder"):
        write_report(tmp_path / "nothing", {}, None, tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_frames_input(annotated: Path) -> None:
    frames = load_annotation_frames(annotated)
    assert isinstance(frames, AnnotationFrames)
    assert render_report(frames, {"sample": "S"}, None) == render_report(annotated, {"sample": "S"}, None)
