#!/usr/bin/env bash
# Runs the fault suite against throwaway servers (the same as ./bench.sh's) and writes its figures into
# RELIABILITY.md: the service under load through kill -9 rounds (F1) and a RabbitMQ outage (F2), then the store and a
# plain AMQP probe queue compared with what clients were told. Arguments go to the harness: --only F1 · --smoke
set -euo pipefail
cd "$(dirname "$0")"
source scripts/provision.sh

finish() { local rc=$?; trap - EXIT INT TERM; provision_cleanup; exit "$rc"; }
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v dotnet >/dev/null || die "the .NET 10 SDK is required (dotnet on PATH)"
# the service (run as a process) and the harness, in one build
dotnet build Marten.EventApp.sln -c Release -v q -nologo
provision_postgres bench
[ -n "${ConnectionStrings__Marten:-}" ] || die "no PostgreSQL for the fault suite"
provision_rabbitmq bench
[ -n "${ConnectionStrings__RabbitMq:-}" ] || die "no RabbitMQ for the fault suite"
# F2 stops and starts the broker: only one this script started (its rabbitmqctl wrapper)
[ -n "${EVENTAPP_RABBITMQCTL:-}" ] || die "the fault suite stops RabbitMQ: it needs the one scripts/provision.sh starts"

output=()
case " $* " in *" --smoke "*) ;; *) output=(--output RELIABILITY.md) ;; esac
dotnet bench/Marten.EventApp.Bench/bin/Release/net10.0/Marten.EventApp.Bench.dll \
  --command-line "./faults.sh $*" --only F1,F2 "${output[@]}" "$@"
