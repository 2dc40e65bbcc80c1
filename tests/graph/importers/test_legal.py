from maillage.graph.importers.legal import (
    import_legal_folder,
    import_legal_references,
    parse_file_name,
    read_article_text,
)
from maillage.graph.settings import Settings
from tests.graph.importers.helpers import DEMO, single, values

HEADER = """<!--
source_repo: example/codes
path: code/article-l1.md
last_commit_touching_file: {commit} (git author date 2016-01-01, message: "Loi")
history (newest first):
  {commit} | {history_date} | Loi
-->

# Article L1

Texte de l'article.
"""
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def write_article(folder, name, history_date="2016-01-01"):
    path = folder / name
    path.write_text(
        HEADER.format(commit=COMMIT, history_date=history_date), encoding="utf-8"
    )
    return path


def test_parse_file_name_reads_code_article_date():
    version = parse_file_name("CGCT_L5216-5__etalab_2016-01-01.md")
    assert (version.legal_code, version.article, version.version_date) == (
        "CGCT",
        "L5216-5",
        "2016-01-01",
    )
    assert version.key == "cgct-l5216-5-2016-01-01"


def test_parse_file_name_rejects_unverified_excerpts():
    assert parse_file_name("CURRENT_VERSION_EXCERPTS__code_search_unnamed.md") is None


def test_import_legal_folder_public_texts(store, iris, shared_data):
    report = import_legal_folder(store, iris, shared_data / "legal")
    assert report.counts == {"law articles": 6, "with a text path": 6}, report.counts
    assert any("CURRENT_VERSION_EXCERPTS" in w for w in report.warnings), (
        report.warnings
    )


def test_import_legal_folder_stores_reference_not_text(store, iris, shared_data):
    import_legal_folder(store, iris, shared_data / "legal")
    act = "<http://maillage.test/id/act/cgct-l5216-5-2016-01-01>"
    path = single(store, f"SELECT ?p WHERE {{ {act} mlg:textPath ?p }}", "p")
    source = single(store, f"SELECT ?s WHERE {{ {act} dcterms:source ?s }}", "s")
    longest = max(len(v) for v in values(store, "SELECT ?o WHERE { ?s ?p ?o }", "o"))
    assert path == "CGCT_L5216-5__etalab_2016-01-01.md"
    assert source.startswith("etalab/codes-juridiques-francais@8addb7106a83"), source
    assert longest < 300, "a literal as long as a legal text was stored"


def test_read_article_text_reads_from_folder(iris, shared_data):
    settings = Settings(legal_texts_path=shared_data / "legal")
    text = read_article_text(settings, iris.item("act", "cgct-l5216-5-2016-01-01"))
    assert text.startswith("# Article L5216-5"), text[:100]


def test_read_article_text_without_folder_returns_none(iris):
    act = iris.item("act", "cgct-l5216-5-2016-01-01")
    assert read_article_text(Settings(legal_texts_path=None), act) is None


def test_read_article_text_unknown_act_returns_none(tmp_path):
    write_article(tmp_path, "CGCT_L1__etalab_2016-01-01.md")
    assert read_article_text(tmp_path, "cgct-l2-2016-01-01") is None


def test_read_article_text_skips_header(tmp_path):
    write_article(tmp_path, "CGCT_L1__etalab_2016-01-01.md")
    text = read_article_text(str(tmp_path), "cgct-l1-2016-01-01")
    assert text == "# Article L1\n\nTexte de l'article."


def test_import_legal_folder_warns_on_history_mismatch(store, iris, tmp_path):
    write_article(tmp_path, "CGCT_L1__etalab_2016-01-01.md", history_date="2015-03-01")
    report = import_legal_folder(store, iris, tmp_path)
    assert any("2015-03-01" in w for w in report.warnings), report.warnings


def test_import_legal_references_have_no_text_path(store, iris):
    report = import_legal_references(store, iris, DEMO / "legal_acts.csv")
    title = single(
        store,
        "SELECT ?t WHERE { <http://maillage.test/id/act/cgct-l5216-5-2016-01-01> "
        "a mlg:LawArticle ; dcterms:title ?t ; eli:first_date_entry_in_force ?d }",
        "t",
    )
    assert report.counts == {"law articles": 6, "with a text path": 0}, report.counts
    assert title == "CGCT, article L5216-5 (version en vigueur au 2016-01-01)"
