#!/usr/bin/env bash
# Runs the service on a fresh machine: provisions PostgreSQL (kept between runs), applies the schema,
# and serves the API. `./run.sh --rabbitmq` also provisions RabbitMQ and routes messages through it.
# Other arguments go to the service (e.g. `./run.sh -- codegen write`, `./run.sh -- token --role admin --ttl 1h`).
# It runs as Development with a signing key of its own in .local and prints an admin token (README, "Security").
set -euo pipefail
cd "$(dirname "$0")"
source scripts/provision.sh

use_rabbit=""
if [ "${1:-}" = "--rabbitmq" ]; then use_rabbit=1; shift; fi
[ "${1:-}" = "--" ] && shift
URL=${EVENTAPP_URL:-http://127.0.0.1:5080}

# cleanup runs to the end: a second Ctrl-C (or TERM) while the servers stop must not leave them running
finish() { local rc=$?; trap - EXIT; trap '' INT TERM; provision_cleanup; exit "$rc"; }
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v dotnet >/dev/null || die "the .NET 10 SDK is required (dotnet on PATH)"
# Development, with a signing key kept in .local (the tokens it signs outlive a restart), unless one is configured;
# in any other environment the service's own check applies (no key or authority: it does not start)
export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Development}
# in Development a person reads the terminal: one plain line a message (JSON lines in every other environment)
if [ "$ASPNETCORE_ENVIRONMENT" = Development ] && [ -z "${Logging__Console__FormatterName:-}" ]; then
  export Logging__Console__FormatterName=simple Logging__Console__FormatterOptions__SingleLine=true \
    Logging__Console__FormatterOptions__IncludeScopes=false Logging__Console__FormatterOptions__TimestampFormat='HH:mm:ss.fff '
fi
if [ "$ASPNETCORE_ENVIRONMENT" = Development ] && [ -z "${EventApp__Auth__SigningKey:-}" ] && [ -z "${EventApp__Auth__Authority:-}" ]; then
  key_file="$LOCAL_ROOT/dev-signing-key"
  [ -s "$key_file" ] || (local_root; umask 077; head -c 32 /dev/urandom | base64 > "$key_file")
  export EventApp__Auth__SigningKey="$(cat "$key_file")"
fi
PROJECT=src/Marten.EventApp
DLL=bin/Release/net10.0/Marten.EventApp.dll
# a token needs neither the servers nor a fresh build: it works beside a running service
if [ "${1:-}" = token ]; then
  [ -f "$PROJECT/$DLL" ] || dotnet build "$PROJECT" -c Release -v q -nologo >&2
  cd "$PROJECT" && dotnet "$DLL" "$@" | tail -n1
  exit "${PIPESTATUS[0]}"
fi
dotnet build "$PROJECT" -c Release -v q -nologo
# the service an earlier run on this address left when its script was killed: stopped first (it holds the port)
pid_file="$LOCAL_ROOT/run-$(printf '%s' "$URL" | md5sum | cut -c1-8).pid"
if [ -s "$pid_file" ] && old=$(cat "$pid_file") && grep -qa Marten.EventApp.dll "/proc/$old/cmdline" 2>/dev/null; then
  log "stopping the service an earlier run left running (pid $old)"
  kill -TERM "$old" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$old" 2>/dev/null || true
fi
provision_postgres run
if [ -n "$use_rabbit" ]; then provision_rabbitmq run; else export ConnectionStrings__RabbitMq=""; fi

cd "$PROJECT"
if [ $# -gt 0 ]; then
  dotnet "$DLL" "$@"
else
  if [ "$ASPNETCORE_ENVIRONMENT" = Development ] && [ -n "${EventApp__Auth__SigningKey:-}" ]; then
    token=$(dotnet "$DLL" token --role admin --ttl 8h --subject developer | tail -n1)
    customer=01a211e0-0000-7000-8000-000000000001
    customer_token=$(dotnet "$DLL" token --role customer --ttl 8h --subject "$customer" | tail -n1)
    echo "Admin token (8 h):" >&2
    echo "  export TOKEN=$token" >&2
    echo "A customer's token (8 h), for the user $customer only:" >&2
    echo "  export CUSTOMER_TOKEN=$customer_token" >&2
    echo "Others: ./run.sh -- token --role admin|service|customer [--subject <user id>] [--scope users:read,...] --ttl 1h" >&2
    echo "Operator console (this URL signs the browser in as the admin):" >&2
    echo "  $URL/console/#token=$token" >&2
  fi
  echo "Marten.EventApp on $URL (API reference: $URL/docs); Ctrl-C stops it" >&2
  # In the background so that this script's traps run at once. A background job of a non-interactive shell
  # ignores SIGINT, so Ctrl-C reaches the service from the trap as SIGTERM (a graceful stop).
  dotnet "$DLL" --urls "$URL" &
  app=$!
  echo "$app" > "$pid_file"
  trap 'kill -TERM $app 2>/dev/null; wait $app; rm -f "$pid_file"; exit 130' INT
  trap 'kill -TERM $app 2>/dev/null; wait $app; rm -f "$pid_file"; exit 143' TERM
  set +e
  wait $app
  rc=$?
  rm -f "$pid_file"
  exit $rc
fi
