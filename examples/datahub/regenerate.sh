#!/usr/bin/env bash
# Regenerate the DataHub demo catalog (dbt.json, glossary.json, mock_data.json) with the real DataHub CLI.
#
#   examples/datahub/regenerate.sh            # from anywhere; needs python3 and PyPI access
#
# acryl-datahub and dbt are dev tooling only: they live in their own venv (DATAHUB_VENV, created here if
# missing), never in the project's requirements. Steps: build the tiny shop project with dbt-duckdb
# (dbt build + dbt docs generate), then run DataHub's dbt, business-glossary and mock-data sources with
# the file sink (recipes/*.yml). Offline after the install.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${DATAHUB_VENV:-${TMPDIR:-/tmp}/purview-federation-datahub-venv}"
export DATAHUB_TELEMETRY_ENABLED=false DBT_SEND_ANONYMOUS_USAGE_STATS=false DO_NOT_TRACK=1

if [ ! -x "$VENV/bin/datahub" ] || [ ! -x "$VENV/bin/dbt" ]; then
    echo "creating $VENV (acryl-datahub + dbt-duckdb, about a minute)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet 'acryl-datahub[dbt,datahub-business-glossary]' 'dbt-core<1.12' dbt-duckdb
fi
"$VENV/bin/datahub" version | sed -n 1p

cd "$HERE/dbt_project"
rm -rf target shop.duckdb
"$VENV/bin/dbt" build --profiles-dir . --project-dir . --quiet
cp target/run_results.json target/build_run_results.json   # docs generate overwrites run_results.json
"$VENV/bin/dbt" docs generate --profiles-dir . --project-dir . --quiet

cd "$HERE"
for recipe in dbt glossary mock_data; do
    "$VENV/bin/datahub" ingest -c "recipes/$recipe.yml" > "/tmp/datahub-ingest-$recipe.log" 2>&1 \
        || { tail -40 "/tmp/datahub-ingest-$recipe.log"; exit 1; }
    grep -E "^Pipeline finished" "/tmp/datahub-ingest-$recipe.log" | sed "s/^/$recipe: /"
done
ls -l "$HERE"/*.json
