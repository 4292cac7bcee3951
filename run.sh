#!/usr/bin/env bash
# Runs the service on a fresh machine: provisions PostgreSQL (kept between runs), applies the schema,
# and serves the API. `./run.sh --rabbitmq` also provisions RabbitMQ and routes messages through it.
# Other arguments go to the service (e.g. `./run.sh -- codegen write`, `./run.sh -- projections list`).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/provision.sh

use_rabbit=""
if [ "${1:-}" = "--rabbitmq" ]; then use_rabbit=1; shift; fi
[ "${1:-}" = "--" ] && shift
URL=${EVENTAPP_URL:-http://127.0.0.1:5080}

finish() { local rc=$?; trap - EXIT INT TERM; provision_cleanup; exit "$rc"; }
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v dotnet >/dev/null || die "the .NET 10 SDK is required (dotnet on PATH)"
dotnet build src/Marten.EventApp -c Release -v q -nologo
provision_postgres run
if [ -n "$use_rabbit" ]; then provision_rabbitmq run; else export ConnectionStrings__RabbitMq=""; fi

cd src/Marten.EventApp
if [ $# -gt 0 ]; then
  dotnet bin/Release/net10.0/Marten.EventApp.dll "$@"
else
  echo "Marten.EventApp on $URL (OpenAPI: $URL/openapi/v1.json); Ctrl-C stops it" >&2
  # In the background so that this script's traps run at once. A background job of a non-interactive shell
  # ignores SIGINT, so Ctrl-C reaches the service from the trap as SIGTERM (a graceful stop).
  dotnet bin/Release/net10.0/Marten.EventApp.dll --urls "$URL" &
  app=$!
  trap 'kill -TERM $app 2>/dev/null; wait $app; exit 130' INT
  trap 'kill -TERM $app 2>/dev/null; wait $app; exit 143' TERM
  wait $app
fi
