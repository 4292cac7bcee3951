#!/usr/bin/env bash
# Runs the fault suite against throwaway servers (./bench.sh's provisioning) and writes its figures into
# RELIABILITY.md: the service under load through kill -9 rounds (F1), a RabbitMQ outage (F2), a PostgreSQL outage
# (F3), kill -9 of the forwarder's node of two (F4) and of a node of a three-node RabbitMQ cluster (F5), then the store
# and a plain AMQP probe queue compared with what the clients were told; kill -9 during an ordered replay (F6).
# Arguments go to the harness: --only F1 (one scenario, RELIABILITY.md untouched) · --smoke (one round of F1, F2 and
# F6, as ./test.sh runs them)
set -euo pipefail
cd "$(dirname "$0")"
case " $* " in
  *" --smoke "*) exec ./bench.sh --only F1,F2,F6 "$@" --command-line smoke ;;
  # one scenario (--only F3) prints its row and leaves RELIABILITY.md alone, as ./bench.sh --only does
  *" --only "*) exec ./bench.sh "$@" --command-line "./faults.sh $*" ;;
  *) exec ./bench.sh --only F1,F2,F3,F4,F5,F6 --output RELIABILITY.md "$@" --command-line "./faults.sh $*" ;;
esac
