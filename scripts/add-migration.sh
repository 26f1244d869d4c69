#!/usr/bin/env bash
# Adds an EF Core migration for both stores (SQLite and PostgreSQL) from the current model.
#
#   scripts/add-migration.sh AddSomething
#
# Each store has its own DbContext subclass and migrations folder:
#   src/Approvals.Server/Persistence/Migrations/Sqlite      (SqliteApprovalsDb)
#   src/Approvals.Server/Persistence/Migrations/PostgreSql  (PostgresApprovalsDb)
# No database is needed: the design-time factories build the model offline.
set -euo pipefail

name="${1:?usage: scripts/add-migration.sh MigrationName}"
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
lock=(flock /tmp/approvals-dotnet.lock)
command -v flock >/dev/null || lock=()

"${lock[@]}" dotnet tool restore >/dev/null
# The build-time OpenAPI document starts the app, which refuses to migrate a model with pending changes:
# a migration is added from a build without it.
"${lock[@]}" dotnet build src/Approvals.Server -v q -nologo -p:OpenApiGenerateDocumentsOnBuild=false -p:ApprovalsSkipWebApp=true

project=src/Approvals.Server
for spec in "SqliteApprovalsDb Sqlite" "PostgresApprovalsDb PostgreSql"; do
  set -- $spec
  "${lock[@]}" dotnet ef migrations add "$name" --no-build \
    --project "$project" --startup-project "$project" \
    --context "$1" \
    --output-dir "Persistence/Migrations/$2" \
    --namespace "Approvals.Server.Persistence.Migrations.$2"
done

# With --namespace, the tool writes a new model snapshot under a folder named after the namespace
# (src/Approvals.Server/Approvals/Server/...): keep each snapshot beside its migrations instead.
for store in Sqlite PostgreSql; do
  stray="$project/Approvals/Server/Persistence/Migrations/$store"
  if [ -d "$stray" ]; then mv "$stray"/*ModelSnapshot.cs "$project/Persistence/Migrations/$store/"; fi
done
rm -rf "$project/Approvals"
