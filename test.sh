#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: provisions throwaway servers (PostgreSQL, RabbitMQ), runs `dotnet test`,
# removes the servers on exit, and prints the solution's totals as "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")"
source scripts/provision.sh

RESULTS="$LOCAL_ROOT/test-results"
finish() { local rc=$?; trap - EXIT INT TERM; provision_cleanup; exit "$rc"; }
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v dotnet >/dev/null || die "the .NET 10 SDK is required (dotnet on PATH)"
provision_postgres test
provision_rabbitmq test
# the seed's own consumer runs under Node in a test (tests/seed-consumer)
command -v npm >/dev/null || apt_install nodejs npm
# the operator console's browser tests drive Debian's Chromium (tests/console)
command -v chromium >/dev/null || apt_install chromium
# wrk, the HTTP load generator of bench row 2w (the harness smoke test runs it too)
command -v wrk >/dev/null || apt_install wrk
if [ -n "${ConnectionStrings__Marten:-}" ]; then export EVENTAPP_TEST_POSTGRES="$ConnectionStrings__Marten"; fi
if [ -n "${ConnectionStrings__RabbitMq:-}" ]; then export EVENTAPP_TEST_RABBITMQ="$ConnectionStrings__RabbitMq"; fi
if [ -n "${EventApp__Console__BrokerManagementUrl:-}" ]; then
  export EVENTAPP_TEST_RABBITMQ_MANAGEMENT="$EventApp__Console__BrokerManagementUrl"
fi
# the broker outage test stops and starts the broker it was given: only one this script started
if [ -n "${EVENTAPP_RABBITMQCTL:-}" ]; then export EVENTAPP_TEST_RABBITMQCTL="$EVENTAPP_RABBITMQCTL"; fi
# the fixtures choose their own database, schema and broker
unset ConnectionStrings__Marten ConnectionStrings__RabbitMq EventApp__Console__BrokerManagementUrl

rm -rf "$RESULTS"
set +e
dotnet test Marten.EventApp.sln -c Release "$@"
rc=$?
set -e

counter() { printf '%s' "$counters" | sed -n "s/.* $1=\"\\([0-9]*\\)\".*/\\1/p"; }
passed=0; failed=0; skipped=0; total=0
for trx in "$RESULTS"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n1)
  passed=$((passed + $(counter passed))); failed=$((failed + $(counter failed)))
  total=$((total + $(counter total))); skipped=$((skipped + $(counter notExecuted)))
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$total" -gt 0 ] || { echo "no test ran" >&2; exit 1; }
[ "$failed" -eq 0 ] || exit 1
exit "$rc"
