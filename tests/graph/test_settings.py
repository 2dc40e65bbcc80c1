"""The base IRI recorded beside the store, so that items keep their IRIs across ports."""

import pytest

from maillage.graph.settings import base_iri_file, load_settings


def test_first_settings_record_base(tmp_path):
    settings = load_settings(store_path=tmp_path / "store", port=8765)
    assert settings.base_iri == "http://127.0.0.1:8765"
    assert base_iri_file(settings).read_text().strip() == "http://127.0.0.1:8765"


def test_recorded_base_wins_over_derived_one(tmp_path):
    load_settings(store_path=tmp_path / "store", port=8765)
    settings = load_settings(store_path=tmp_path / "store", port=8766)
    assert settings.base_iri == "http://127.0.0.1:8765"
    assert settings.port == 8766


def test_explicit_base_must_match_recorded_one(tmp_path):
    load_settings(store_path=tmp_path / "store", base_iri="https://capca.example")
    same = load_settings(store_path=tmp_path / "store", base_iri="https://capca.example/")
    assert same.base_iri == "https://capca.example"
    with pytest.raises(ValueError, match="differs from 'https://capca.example'"):
        load_settings(store_path=tmp_path / "store", base_iri="https://other.example")


def test_each_store_records_its_own_base(tmp_path):
    load_settings(store_path=tmp_path / "one", base_iri="https://one.example")
    other = load_settings(store_path=tmp_path / "two", base_iri="https://two.example")
    assert other.base_iri == "https://two.example"
