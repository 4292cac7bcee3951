#!/usr/bin/env bash
# Runs the benchmark scenarios against a throwaway PostgreSQL (PostgreSQL's default durability) and writes
# the table into BENCHMARKS.md. Arguments go to the harness: --only 1a,4 · --duration 20 · --warmup 5 · --smoke
set -euo pipefail
cd "$(dirname "$0")"
source scripts/provision.sh

finish() { local rc=$?; trap - EXIT INT TERM; provision_cleanup; exit "$rc"; }
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v dotnet >/dev/null || die "the .NET 10 SDK is required (dotnet on PATH)"
# the service (run as a process in scenario 2) and the harness, in one build
dotnet build Marten.EventApp.sln -c Release -v q -nologo
provision_postgres bench
[ -n "${ConnectionStrings__Marten:-}" ] || die "no PostgreSQL for the benchmark"
# the bus scenario (6) publishes through a throwaway RabbitMQ
provision_rabbitmq bench
[ -n "${ConnectionStrings__RabbitMq:-}" ] || die "no RabbitMQ for the benchmark"
# the loss of a broker node (F5) needs a cluster of three of its own
case " $* " in *" --only "*F5*) provision_rabbitmq_cluster ;; esac
# wrk, the HTTP load generator of row 2w
command -v wrk >/dev/null || apt_install wrk
# statement statistics, when the server was started with them (see scripts/provision.sh); without them the runs go
# on, and the reason is printed
if ! failed=$("$(pg_bindir)/psql" -h "$(conn_value "$ConnectionStrings__Marten" Host)" \
    -p "$(conn_value "$ConnectionStrings__Marten" Port)" -U postgres -d eventapp -qc \
    "create extension if not exists pg_stat_statements" 2>&1 >/dev/null); then
  log "no statement statistics in the database profile: $failed"
fi

output=()
case " $* " in *" --smoke "*|*" --only "*) ;; *) output=(--output BENCHMARKS.md) ;; esac
dotnet bench/Marten.EventApp.Bench/bin/Release/net10.0/Marten.EventApp.Bench.dll \
  --command-line "./bench.sh $*" "${output[@]}" "$@"
