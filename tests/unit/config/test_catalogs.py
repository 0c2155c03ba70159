"""catalogs.yaml validation: one failing input per rule, and messages that name file, catalog and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from config import (
    CatalogConfig,
    CatalogsConfig,
    CatalogsFileError,
    DeletionPolicy,
    UnknownCatalogError,
    load_catalogs,
    parse_catalogs,
)
from config.catalogs import APP_ROOT
from tests.unit.config.helpers import BASE_ENTRY, error_text, with_entry

KNOWN = ["datahub", "dbt", "glue", "pivotfile"]


def test_valid_entry_gets_defaults() -> None:
    catalog = parse_catalogs(BASE_ENTRY).get("sales-dbt")
    assert catalog.mode == "pull"
    assert catalog.enabled is True
    assert catalog.glossary == "sales-dbt"
    assert catalog.target_collection is None
    assert catalog.source == {}
    assert catalog.type_mapping == {}
    assert catalog.deletion == DeletionPolicy(retention_days=7, min_complete_runs=3, max_delete_fraction=0.2)
    assert catalog.pulls and not catalog.pushes


def test_full_entry_round_trips() -> None:
    text = with_entry(
        """\
        mode: both
        enabled: false
        target_collection: sales
        glossary: Sales
        source: {manifest: target/manifest.json, nested: {token_setting: DBT_TOKEN}}
        type_mapping: {snowflake: snowflake_table}
        deletion: {retention_days: 0, min_complete_runs: 1, max_delete_fraction: 1}
        """
    )
    catalog = parse_catalogs(text, known_connectors=KNOWN).get("sales-dbt")
    assert catalog.mode == "both" and catalog.pulls and catalog.pushes
    assert catalog.glossary == "Sales"
    assert catalog.deletion.max_delete_fraction == 1.0
    assert catalog.model_dump(mode="json")["source"]["nested"] == {"token_setting": "DBT_TOKEN"}


def test_message_names_file_line_catalog_and_field() -> None:
    text = with_entry("deletion:\n  max_delete_fraction: 1.5\n")
    assert error_text(text) == (
        "catalogs.yaml:6: catalog 'sales-dbt': deletion.max_delete_fraction: must be ≤ 1 (got 1.5)"
    )


@pytest.mark.parametrize(
    ("extra", "field", "fragment"),
    [
        ("deletion: {retention_days: -1}", "deletion.retention_days", "must be ≥ 0 (got -1)"),
        ("deletion: {min_complete_runs: 0}", "deletion.min_complete_runs", "must be ≥ 1 (got 0)"),
        ("deletion: {max_delete_fraction: -0.1}", "deletion.max_delete_fraction", "must be ≥ 0"),
        ("deletion: {retention_days: 1.5}", "deletion.retention_days", "must be a whole number (got 1.5)"),
        ("deletion: {retention_days: '7'}", "deletion.retention_days", "must be a whole number (got '7')"),
        ("deletion: 7", "deletion", "must be a mapping (got 7)"),
        ("mode: sideways", "mode", "must be one of 'pull', 'push' or 'both' (got 'sideways')"),
        ("enabled: maybe", "enabled", "must be true or false (got 'maybe')"),
        ("target_collection: '  '", "target_collection", "must not be blank"),
        ("glossary: 5", "glossary", "must be a string (got 5)"),
        ("source: [a, b]", "source", "must be a mapping"),
        ("type_mapping: {snowflake: 'not a type'}", "type_mapping.snowflake", "must be a Purview type name"),
        ("type_mapping: [snowflake]", "type_mapping", "must be a mapping"),
        ("target_colection: sales", "target_colection", "(did you mean 'target_collection'?)"),
        ("deletion: {retension_days: 3}", "deletion.retension_days", "(did you mean 'retention_days'?)"),
        (
            "frobnicate: 1",
            "frobnicate",
            "unknown key 'frobnicate' (allowed: adopt_from, connector, deletion,",
        ),
    ],
)
def test_field_rules(extra: str, field: str, fragment: str) -> None:
    message = error_text(with_entry(extra + "\n"))
    assert message.startswith("catalogs.yaml:")
    assert f"catalog 'sales-dbt': {field}: " in message
    assert fragment in message


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("Sales-DBT", "must be 1-40 characters of a-z, 0-9 and '-' (use lower case) (got 'Sales-DBT')"),
        ("sales_dbt", "must be 1-40 characters of a-z, 0-9 and '-' (got 'sales_dbt')"),
        ("'" + "a" * 41 + "'", "must be 1-40 characters"),
        ("''", "must be 1-40 characters"),
        ("no", "must be a string (got false); YAML reads yes/no/on/off as booleans, quote the value"),
    ],
)
def test_bad_name(name: str, fragment: str) -> None:
    message = error_text(f"catalogs:\n  - name: {name}\n    connector: dbt\n    schedule: null\n")
    assert ": name: " in message
    assert fragment in message


def test_missing_name_and_connector_use_position() -> None:
    message = error_text("catalogs:\n  - schedule: null\n")
    assert "catalogs.yaml:2: catalog #1: name: required" in message
    assert "catalog #1: connector: required" in message


def test_bad_connector_name() -> None:
    message = error_text("catalogs:\n  - {name: a, connector: 'DBT!', schedule: null}\n")
    assert "catalog 'a': connector: must be a connector name" in message


def test_unknown_connector_lists_known_ones() -> None:
    message = error_text(with_entry("").replace("connector: dbt", "connector: dbtt"), known_connectors=KNOWN)
    assert (
        "catalogs.yaml:3: catalog 'sales-dbt': connector: unknown connector 'dbtt' (did you mean 'dbt'?); "
        "known: datahub, dbt, glue, pivotfile"
    ) in message


def test_connector_not_checked_without_registry() -> None:
    assert (
        parse_catalogs(BASE_ENTRY.replace("connector: dbt", "connector: anything")).get("sales-dbt").connector
        == "anything"
    )


@pytest.mark.parametrize(
    ("schedule", "fragment"),
    [
        ('"0 2 * * *"', "got 5 fields (add the seconds field first"),
        ('"0 0 2 * * * 2025"', "got 7 fields"),
        ('"0 0 25 * * *"', "is not a valid NCRONTAB schedule"),
        ('"0 0 2 L * *"', "NCRONTAB field 'L' is not valid"),
        ('"0 0 2 ? * MON#2"', "is not valid"),
        ("daily", "got 1 fields"),
        ("5", "must be a string (got 5)"),
    ],
)
def test_bad_schedule(schedule: str, fragment: str) -> None:
    message = error_text(BASE_ENTRY.replace('"0 0 2 * * *"', schedule))
    assert "catalogs.yaml:4: catalog 'sales-dbt': schedule: " in message
    assert fragment in message


def test_schedule_required_for_pull_but_null_allowed() -> None:
    message = error_text("catalogs:\n  - {name: a, connector: dbt}\n")
    assert "catalog 'a': schedule: required for a pull catalog" in message
    assert "or null to sync only when started over HTTP" in message
    catalog = parse_catalogs("catalogs:\n  - {name: a, connector: dbt, schedule: null}\n").get("a")
    assert catalog.schedule is None


def test_schedule_forbidden_for_push_and_optional_there() -> None:
    message = error_text(with_entry("mode: push\n"))
    assert "catalog 'sales-dbt': schedule: only pull and both catalogs are scheduled" in message
    catalog = parse_catalogs("catalogs:\n  - {name: a, connector: datahub, mode: push}\n").get("a")
    assert catalog.pushes and not catalog.pulls and catalog.schedule is None


def test_schedule_is_normalised() -> None:
    text = BASE_ENTRY.replace('"0 0 2 * * *"', '"0  30 9   * * Mon-Fri"')
    assert parse_catalogs(text).get("sales-dbt").schedule == "0 30 9 * * Mon-Fri"


def test_yaml_syntax_error_has_line() -> None:
    message = error_text("catalogs:\n  - name: a\n    connector: [dbt\n")
    assert message.startswith("catalogs.yaml:")
    assert "YAML syntax error" in message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "",
            "top level must be a mapping with a 'catalogs' list, e.g. 'catalogs: [...]' (got an empty file)",
        ),
        ("- name: a\n", "top level must be a mapping with a 'catalogs' list"),
        ("catalog: []\n", "unknown top-level key 'catalog' (did you mean 'catalogs'?)"),
        ("other: 1\n", "the 'catalogs' key is missing"),
        ("catalogs: {name: a}\n", "catalogs.yaml:1: catalogs: must be a list of catalogs (got a mapping)"),
        ("catalogs:\n", "catalogs: must be a list of catalogs (got null)"),
    ],
)
def test_top_level_shape(text: str, fragment: str) -> None:
    message = error_text(text)
    assert message.startswith("catalogs.yaml")
    assert fragment in message


def test_empty_catalog_list_is_valid() -> None:
    assert len(parse_catalogs("catalogs: []\n")) == 0


def test_entry_that_is_not_a_mapping() -> None:
    message = error_text(BASE_ENTRY + "  - just-a-name\n")
    assert "catalogs.yaml:5: catalog #2: must be a mapping with at least name and connector" in message


def test_duplicate_names_name_both_positions() -> None:
    text = BASE_ENTRY + "  - name: sales-dbt\n    connector: glue\n    schedule: null\n"
    message = error_text(text)
    assert (
        "catalogs.yaml:5: catalog 'sales-dbt': name: catalog name 'sales-dbt' is used by catalogs "
        "#1 (line 2) and #2 (line 5); names must be unique"
    ) in message


def test_duplicate_yaml_keys_are_reported() -> None:
    message = error_text(with_entry("mode: pull\nmode: push\n"))
    assert "catalogs.yaml:6: catalog 'sales-dbt': mode: duplicate key 'mode' (first at line 5)" in message


def test_every_problem_is_reported_in_line_order() -> None:
    text = (
        "catalogs:\n"
        "  - {name: a, connector: dbt, schedule: null, mode: x}\n"
        "  - {name: B, connector: dbt, schedule: null}\n"
        "  - {name: c, connector: dbt, schedule: null, deletion: {max_delete_fraction: 2}}\n"
    )
    with pytest.raises(CatalogsFileError) as info:
        parse_catalogs(text, file="conf/catalogs.yaml")
    lines = [str(p) for p in info.value.problems]
    assert [p.catalog for p in info.value.problems] == ["a", "B", "c"]
    assert lines[0].startswith("conf/catalogs.yaml:2: catalog 'a': mode: ")
    assert str(info.value).startswith("conf/catalogs.yaml: invalid catalogs file (3 problems):\n")


def test_get_unknown_catalog_is_a_key_error_with_suggestion() -> None:
    config = parse_catalogs(BASE_ENTRY)
    with pytest.raises(KeyError) as info:
        config.get("sales-dbtt")
    assert isinstance(info.value, UnknownCatalogError)
    assert str(info.value) == (
        "unknown catalog 'sales-dbtt' (did you mean 'sales-dbt'?); catalogs in catalogs.yaml: sales-dbt"
    )
    assert "sales-dbt" in config and "other" not in config


def test_programmatic_duplicates_and_frozen() -> None:
    one = CatalogConfig(name="a", connector="dbt", schedule=None)
    with pytest.raises(ValidationError, match="names must be unique"):
        CatalogsConfig(catalogs=(one, one))
    with pytest.raises(ValidationError):
        one.name = "b"  # type: ignore[misc]


def test_selectors() -> None:
    text = (
        "catalogs:\n"
        "  - {name: a, connector: dbt, schedule: '0 0 2 * * *'}\n"
        "  - {name: b, connector: dbt, schedule: null}\n"
        "  - {name: c, connector: dbt, schedule: '0 0 2 * * *', enabled: false}\n"
        "  - {name: d, connector: datahub, mode: push}\n"
    )
    config = parse_catalogs(text)
    assert config.names == ["a", "b", "c", "d"]
    assert [c.name for c in config.enabled()] == ["a", "b", "d"]
    assert [c.name for c in config.scheduled()] == ["a"]


@pytest.mark.parametrize("model", [CatalogConfig, CatalogsConfig, DeletionPolicy])
def test_every_field_has_a_description(model: type[BaseModel]) -> None:
    assert all(field.description for field in model.model_fields.values())


def test_load_from_path_and_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(BASE_ENTRY, encoding="utf-8")
    assert load_catalogs(path).file == str(path)
    monkeypatch.setenv("CATALOGS_FILE", str(path))
    assert load_catalogs().names == ["sales-dbt"]


def test_load_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(CatalogsFileError) as info:
        load_catalogs(missing)
    assert str(info.value).startswith(f"{missing}: file not found")
    assert "set CATALOGS_FILE" in str(info.value)


def test_errors_carry_the_given_file_name(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(with_entry("mode: sideways\n"), encoding="utf-8")
    with pytest.raises(CatalogsFileError, match=r"bad\.yaml:5: catalog 'sales-dbt': mode: "):
        load_catalogs(path)


def test_repository_catalogs_yaml_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CATALOGS_FILE", raising=False)
    monkeypatch.chdir(tmp_path)  # relative default falls back to the app root
    config = load_catalogs(known_connectors=KNOWN)
    assert config.names == ["demo-pivot", "demo-datahub"]
    assert config.get("demo-datahub").source["files"] == ["examples/datahub/*.json"]
    assert config.get("demo-pivot").connector == "pivotfile"
    assert config.get("demo-pivot").source == {"files": ["examples/pivot/*.jsonl"]}
    assert [c.name for c in config.scheduled()] == ["demo-pivot"]
    assert (APP_ROOT / "catalogs.yaml").is_file()


def test_repository_commented_example_is_valid() -> None:
    """The commented-out GraphQL example must stay valid once uncommented."""
    text = (APP_ROOT / "catalogs.yaml").read_text(encoding="utf-8")
    example = [line.replace("  # ", "  ", 1) for line in text.splitlines() if line.startswith("  # ")]
    start = next(i for i, line in enumerate(example) if line.startswith("  - name: corp-datahub"))
    config = parse_catalogs("catalogs:\n" + "\n".join(example[start:]) + "\n", known_connectors=KNOWN)
    assert config.get("corp-datahub").source["token_setting"] == "DATAHUB_TOKEN"


def test_mutual_adopt_from_is_refused() -> None:
    """Two catalogs adopting from each other would take an identity back and forth on every write, each
    overwriting the other's asset: ownership must move one way only."""
    text = (
        "catalogs:\n"
        "  - {name: a, connector: dbt, schedule: null, adopt_from: [b]}\n"
        "  - {name: b, connector: dbt, schedule: null, adopt_from: [a, gone]}\n"
    )
    with pytest.raises(CatalogsFileError) as info:
        parse_catalogs(text, file="catalogs.yaml")
    message = str(info.value)
    assert "catalog 'b': adopt_from: 'a' adopts from 'b' too" in message
    one_way = "catalogs:\n  - {name: a, connector: dbt, schedule: null, adopt_from: [b, gone]}\n"
    assert parse_catalogs(one_way).get("a").adopt_from == ["b", "gone"]  # a removed catalog may be named
