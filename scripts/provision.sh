# shellcheck shell=bash
# Provisioning shared by run.sh, test.sh and bench.sh. Source it, then call
#   provision_postgres run|test|bench -> exports ConnectionStrings__Marten (or leaves it empty for Testcontainers)
#   provision_rabbitmq run|test|bench -> exports ConnectionStrings__RabbitMq (or leaves it empty for Testcontainers)
#   provision_cleanup             -> stops what this process started (throwaway data is removed)
# Order: a reachable configured server, else docker compose (run) / Testcontainers (test) when a Docker
# engine answers, else local binaries started as a non-root user in a folder of the repo.

REPO_ROOT=${REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
LOCAL_ROOT=${EVENTAPP_LOCAL_ROOT:-$REPO_ROOT/.local}
SERVICE_USER=${EVENTAPP_SERVICE_USER:-eventapp}
_STARTED_PG_DIR=""
_STARTED_PG_THROWAWAY=""
_STARTED_RABBIT_DIR=""
_STARTED_RABBIT_THROWAWAY=""
_STARTED_RABBIT_CLUSTER=""
_STARTED_COMPOSE=""
# the Debian /usr/sbin wrapper only lets root or the rabbitmq user run it; the script behind it has no such check
RABBITMQCTL=/usr/lib/rabbitmq/bin/rabbitmqctl

log() { printf '[provision] %s\n' "$*" >&2; }
die() { printf '[provision] error: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# (Functions end in an explicit `return 0`: a bare return inside the EXIT trap would return the exit status.)
# Runs a command as the service user when we are root (initdb and postgres refuse root).
as_service_user() {
  if is_root; then runuser -u "$SERVICE_USER" -- "$@"; else "$@"; fi
}

ensure_service_user() {
  is_root || return 0
  id "$SERVICE_USER" >/dev/null 2>&1 || useradd --system --create-home --shell /bin/bash "$SERVICE_USER"
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# Ports nothing listens on, distinct, below the kernel's ephemeral range (from 32768 by default): a port some
# outgoing connection holds looks free but cannot be bound, which once failed RabbitMQ's distribution port.
free_ports() {
  local count=$1 p low given=" "
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  [ "$low" -gt 21000 ] 2>/dev/null || low=32768
  for _ in $(seq 1 400); do
    [ "$count" -gt 0 ] || { echo; return 0; }
    p=$(( (RANDOM % (low - 20000)) + 20000 ))
    case "$given" in *" $p "*) continue ;; esac
    port_open 127.0.0.1 "$p" && continue
    given="$given$p "; printf '%s ' "$p"; count=$((count - 1))
  done
  die "no free port found"
}

free_port() { free_ports 1 | tr -d ' \n'; }

docker_engine() { command -v docker >/dev/null 2>&1 && timeout 5 docker info >/dev/null 2>&1; }

apt_install() {
  is_root || die "$* is not installed and we are not root: install it, or set a connection string to a running server"
  log "installing $* with apt-get"
  if [ -z "${_APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || die "apt-get update failed"
    _APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

# Host and port of an Npgsql connection string ("Host=..;Port=..").
conn_value() { printf '%s' "$1" | tr ';' '\n' | sed -n "s/^ *$2 *= *//Ip" | head -n1; }

# The value of ConnectionStrings:<name> in appsettings.json (empty when absent or empty).
appsettings_connection() {
  sed -n "/\"ConnectionStrings\"/,/}/s/.*\"$1\" *: *\"\\([^\"]*\\)\".*/\\1/p" "$REPO_ROOT/appsettings.json" | head -n1
}

# A secret for a server this script starts: letters and digits, safe in a URL and a connection string.
random_secret() { head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | cut -c1-24; }

# The compose services' passwords: made once into .local/compose.env (its owner's only), never shipped with the repo.
compose_env() {
  local file="$LOCAL_ROOT/compose.env"
  local_root
  [ -f "$file" ] || (umask 077 && printf 'EVENTAPP_POSTGRES_PASSWORD=%s\nEVENTAPP_RABBITMQ_PASSWORD=%s\n' \
    "$(random_secret)" "$(random_secret)" >"$file")
  printf '%s' "$file"
}
compose_secret() { sed -n "s/^$1=//p" "$(compose_env)"; }
compose() { docker compose --env-file "$(compose_env)" -f "$REPO_ROOT/docker-compose.yml" "$@"; }

# .local/, its owner's only: keys, passwords and the servers' data live there.
local_root() { mkdir -p "$LOCAL_ROOT" && chmod 700 "$LOCAL_ROOT"; }

# A folder the service user can write, under .local of the repo when it can reach it.
data_root() {
  local_root
  if is_root; then
    chown "$SERVICE_USER" "$LOCAL_ROOT"
    if ! runuser -u "$SERVICE_USER" -- test -w "$LOCAL_ROOT"; then
      local alt="/tmp/marten-eventapp-$(printf '%s' "$REPO_ROOT" | md5sum | cut -c1-8)"
      mkdir -p "$alt" && chown "$SERVICE_USER" "$alt" && chmod 700 "$alt"
      echo "$alt"; return 0
    fi
  fi
  echo "$LOCAL_ROOT"
}

# ---------------------------------------------------------------- PostgreSQL
pg_bindir() {
  local d
  if command -v initdb >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v initdb)")"; return 0; fi
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

provision_postgres() {
  local mode=$1 configured host port
  configured=${ConnectionStrings__Marten:-}
  [ -n "$configured" ] || [ "$mode" != run ] || configured=$(appsettings_connection Marten)
  if [ -n "$configured" ]; then
    host=$(conn_value "$configured" Host); port=$(conn_value "$configured" Port)
    if port_open "${host:-localhost}" "${port:-5432}"; then
      log "using the configured PostgreSQL at ${host:-localhost}:${port:-5432}"
      export ConnectionStrings__Marten="$configured"
      return 0
    fi
    [ -n "${ConnectionStrings__Marten:-}" ] && die "ConnectionStrings__Marten is set but ${host:-localhost}:${port:-5432} does not answer"
  fi

  if docker_engine && [ -z "${EVENTAPP_NO_DOCKER:-}" ]; then
    if [ "$mode" = test ]; then
      log "Docker engine found: the test fixtures start PostgreSQL with Testcontainers"
      unset ConnectionStrings__Marten
      return 0
    fi
    log "starting PostgreSQL with docker compose (on 127.0.0.1, its password in .local/compose.env)"
    compose up -d --wait postgres >&2 || die "docker compose up failed"
    _STARTED_COMPOSE=1
    export ConnectionStrings__Marten="${ConnectionStrings__Marten:-Host=127.0.0.1;Port=5432;Database=eventapp;Username=postgres;Password=$(compose_secret EVENTAPP_POSTGRES_PASSWORD)}"
    return 0
  fi

  local bindir root dir
  bindir=$(pg_bindir)
  if [ -z "$bindir" ]; then apt_install postgresql; bindir=$(pg_bindir); fi
  [ -n "$bindir" ] || die "PostgreSQL binaries not found after install"
  ensure_service_user
  root=$(data_root)

  if [ "$mode" != run ]; then
    dir=$(mktemp -d "$root/pg-$mode.XXXXXX")
    _STARTED_PG_THROWAWAY=1
  else
    dir="$root/pg-run"; mkdir -p "$dir"
  fi
  is_root && chown -R "$SERVICE_USER" "$dir"
  # a server an earlier run left on this folder when it was stopped hard (its script killed): stopped cleanly first
  if [ -f "$dir/data/postmaster.pid" ] && as_service_user "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    log "stopping the PostgreSQL an earlier run left running on $dir"
    as_service_user "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null || die "the PostgreSQL on $dir did not stop"
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_service_user "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  fi
  port=$(free_port)
  local opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB"
  # throwaway test data needs no crash safety; the run and bench instances keep PostgreSQL's defaults
  [ "$mode" = test ] && opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  # the benchmark keeps statement statistics for profiling (select * from pg_stat_statements)
  [ "$mode" = bench ] && [ -f "$("$bindir/pg_config" --pkglibdir 2>/dev/null)/pg_stat_statements.so" ] \
    && opts="$opts -c shared_preload_libraries=pg_stat_statements"
  as_service_user "$bindir/pg_ctl" -D "$dir/data" -o "$opts" -l "$dir/postgres.log" -w -t 60 start >/dev/null \
    || { tail -n 30 "$dir/postgres.log" >&2; die "PostgreSQL did not start"; }
  _STARTED_PG_DIR=$dir
  # stop|start this server as it was started: the fault suite's database outage (F3) uses it
  cat >"$dir/ctl" <<CTL
#!/usr/bin/env bash
run() { if [ "\$(id -u)" = 0 ]; then runuser -u '$SERVICE_USER' -- "\$@"; else "\$@"; fi; }
case "\$1" in
  stop) run '$bindir/pg_ctl' -D '$dir/data' -m fast -w -t 60 stop >/dev/null ;;
  start) run '$bindir/pg_ctl' -D '$dir/data' -o '$opts' -l '$dir/postgres.log' -w -t 60 start >/dev/null ;;
  *) echo "usage: \$0 stop|start" >&2; exit 2 ;;
esac
CTL
  chmod +x "$dir/ctl"
  export EVENTAPP_PGCTL="$dir/ctl"
  "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt \
    -c "select 1 from pg_database where datname='eventapp'" | grep -q 1 \
    || "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -q -c "create database eventapp" >/dev/null
  PGOPTIONS='-c client_min_messages=warning' "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d eventapp -q \
    -c "create extension if not exists pg_trgm" >/dev/null
  export ConnectionStrings__Marten="Host=127.0.0.1;Port=$port;Database=eventapp;Username=postgres;Password=postgres"
  log "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') running on 127.0.0.1:$port (data: $dir)"
}

stop_postgres() {
  [ -n "$_STARTED_PG_DIR" ] || return 0
  local bindir; bindir=$(pg_bindir)
  as_service_user "$bindir/pg_ctl" -D "$_STARTED_PG_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
  [ -n "$_STARTED_PG_THROWAWAY" ] && rm -rf "$_STARTED_PG_DIR"
  _STARTED_PG_DIR=""
}

# ---------------------------------------------------------------- RabbitMQ
provision_rabbitmq() {
  local mode=$1 configured host port
  configured=${ConnectionStrings__RabbitMq:-}
  [ -n "$configured" ] || [ "$mode" != run ] || configured=$(appsettings_connection RabbitMq)
  if [ -n "$configured" ]; then
    host=$(printf '%s' "$configured" | sed -E 's#^[a-z]+://([^@/]*@)?([^:/]+).*#\2#')
    port=$(printf '%s' "$configured" | sed -nE 's#^[a-z]+://([^@/]*@)?[^:/]+:([0-9]+).*#\2#p')
    if port_open "${host:-localhost}" "${port:-5672}"; then
      log "using the configured RabbitMQ at ${host:-localhost}:${port:-5672}"
      export ConnectionStrings__RabbitMq="$configured"
      return 0
    fi
    [ -n "${ConnectionStrings__RabbitMq:-}" ] && die "ConnectionStrings__RabbitMq is set but ${host}:${port:-5672} does not answer"
  fi

  if docker_engine && [ -z "${EVENTAPP_NO_DOCKER:-}" ] && [ "$mode" = test ]; then
    log "Docker engine found: the test fixtures start RabbitMQ with Testcontainers"
    unset ConnectionStrings__RabbitMq
    return 0
  fi
  if docker_engine && [ -z "${EVENTAPP_NO_DOCKER:-}" ] && { [ "$mode" = run ] || [ "$mode" = bench ]; }; then
    log "starting RabbitMQ with docker compose (on 127.0.0.1, its password in .local/compose.env)"
    compose up -d --wait rabbitmq >&2 || die "docker compose up failed"
    _STARTED_COMPOSE=1
    export ConnectionStrings__RabbitMq="${ConnectionStrings__RabbitMq:-amqp://eventapp:$(compose_secret EVENTAPP_RABBITMQ_PASSWORD)@127.0.0.1:5672}"
    export EventApp__Console__BrokerManagementUrl="${EventApp__Console__BrokerManagementUrl:-http://127.0.0.1:15672}"
    return 0
  fi

  [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || apt_install rabbitmq-server
  ensure_service_user
  local root dir node amqp mgmt dist epmd
  root=$(data_root)
  if [ "$mode" != run ]; then dir=$(mktemp -d "$root/rabbit-$mode.XXXXXX"); _STARTED_RABBIT_THROWAWAY=1
  else dir="$root/rabbit-run"; mkdir -p "$dir"; fi
  # a node an earlier run left on this folder when it was stopped hard: stopped first (same node name, new ports)
  if [ -f "$dir/env" ] && [ -s "$dir/rabbit.pid" ] && kill -0 "$(cat "$dir/rabbit.pid")" 2>/dev/null; then
    log "stopping the RabbitMQ an earlier run left running on $dir"
    _STARTED_RABBIT_DIR=$dir
    stop_rabbitmq
  fi
  read -r amqp mgmt dist epmd < <(free_ports 4)
  node="eventapp$(printf '%s' "$dir" | md5sum | cut -c1-6)@localhost"
  _STARTED_RABBIT_DIR=$dir
  start_rabbit_node "$dir" "$node" "$amqp" "$mgmt" "$dist" "$epmd"
  # rabbitmqctl for this node, so that tests can stop and start the broker (an outage)
  export EVENTAPP_RABBITMQCTL="$dir/ctl"
  local secret
  secret=$(rabbit_user "$dir")
  export ConnectionStrings__RabbitMq="amqp://eventapp:$secret@127.0.0.1:$amqp"
  # the console's bus page reads depths and rates from the management API of the broker it started
  export EventApp__Console__BrokerManagementUrl="http://127.0.0.1:$mgmt"
  log "RabbitMQ running: AMQP $ConnectionStrings__RabbitMq, management UI http://127.0.0.1:$mgmt (eventapp/$secret; data: $dir; rabbitmqctl for it: $dir/ctl)"
}

# One RabbitMQ node on its own folder and ports, started and waited for; $dir/ctl is rabbitmqctl for it. A cookie
# already in $dir/home (a cluster's, shared) is kept.
start_rabbit_node() {
  local dir=$1 node=$2 amqp=$3 mgmt=$4 dist=$5 epmd=$6
  mkdir -p "$dir/home" "$dir/mnesia" "$dir/log"
  echo '[rabbitmq_management].' >"$dir/enabled_plugins"
  cat >"$dir/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$amqp
management.tcp.port = $mgmt
management.tcp.ip = 127.0.0.1
CONF
  is_root && chown -R "$SERVICE_USER" "$dir"
  cat >"$dir/env" <<ENV
export HOME='$dir/home' RABBITMQ_MNESIA_BASE='$dir/mnesia' RABBITMQ_LOG_BASE='$dir/log'
export RABBITMQ_PID_FILE='$dir/rabbit.pid' RABBITMQ_NODENAME='$node' RABBITMQ_NODE_PORT='$amqp'
export RABBITMQ_DIST_PORT='$dist' ERL_EPMD_PORT='$epmd' RABBITMQ_ENABLED_PLUGINS_FILE='$dir/enabled_plugins'
export RABBITMQ_CONFIG_FILE='$dir/rabbitmq'
ENV
  as_service_user bash -c ". '$dir/env'; setsid /usr/lib/rabbitmq/bin/rabbitmq-server >'$dir/log/console.log' 2>&1 &"
  as_service_user bash -c ". '$dir/env'; $RABBITMQCTL -n '$node' wait --timeout 90 '$dir/rabbit.pid'" >/dev/null 2>&1 \
    || { tail -n 30 "$dir/log/console.log" >&2; die "RabbitMQ did not start"; }
  if is_root; then
    printf '#!/usr/bin/env bash\nexec runuser -u %s -- bash -c %q _ "$@"\n' "$SERVICE_USER" \
      ". '$dir/env'; exec $RABBITMQCTL -n '$node' \"\$@\"" >"$dir/ctl"
  else
    printf '#!/usr/bin/env bash\n. %q\nexec %q -n %q "$@"\n' "$dir/env" "$RABBITMQCTL" "$node" >"$dir/ctl"
  fi
  chmod +x "$dir/ctl"
  # and a start of this node again, in the background (the fault suite brings a killed node back)
  if is_root; then
    printf '#!/usr/bin/env bash\nexec runuser -u %s -- bash -c %q\n' "$SERVICE_USER" \
      ". '$dir/env'; setsid /usr/lib/rabbitmq/bin/rabbitmq-server >>'$dir/log/console.log' 2>&1 &" >"$dir/start"
  else
    printf '#!/usr/bin/env bash\n. %q\nsetsid /usr/lib/rabbitmq/bin/rabbitmq-server >>%q 2>&1 &\n' "$dir/env" \
      "$dir/log/console.log" >"$dir/start"
  fi
  chmod +x "$dir/start"
}

# The service's user on the node (a cluster's users are the cluster's): its password made here and kept with the
# node's data, its owner's only; no guest. Prints the password.
rabbit_user() {
  local dir=$1 secret
  [ -f "$dir/secret" ] || (umask 077 && random_secret >"$dir/secret")
  secret=$(cat "$dir/secret")
  is_root && chown "$SERVICE_USER" "$dir/secret"
  { "$dir/ctl" add_user eventapp "$secret" || "$dir/ctl" change_password eventapp "$secret"; } >/dev/null 2>&1
  "$dir/ctl" set_user_tags eventapp administrator >/dev/null 2>&1 || die "RabbitMQ user setup failed"
  "$dir/ctl" set_permissions -p / eventapp '.*' '.*' '.*' >/dev/null 2>&1 || die "RabbitMQ user setup failed"
  "$dir/ctl" delete_user guest >/dev/null 2>&1 || true
  printf '%s' "$secret"
}

# A throwaway cluster of three RabbitMQ nodes on this machine (the fault suite's F5): r1, r2 and r3 @localhost, each
# with its own AMQP, management and distribution port, one Erlang cookie and one epmd port. Exports
# EVENTAPP_RABBITMQ_CLUSTER: the folder holding n1..n3, each with its env, ctl, start, rabbit.pid and amqp (its URI).
provision_rabbitmq_cluster() {
  [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || apt_install rabbitmq-server
  ensure_service_user
  local root cluster epmd cookie i secret amqp mgmt dist
  root=$(data_root)
  cluster=$(mktemp -d "$root/rabbit-cluster.XXXXXX")
  _STARTED_RABBIT_CLUSTER=$cluster
  is_root && chown "$SERVICE_USER" "$cluster"
  epmd=$(free_port)
  cookie=$(random_secret)
  for i in 1 2 3; do
    mkdir -p "$cluster/n$i/home"
    (umask 077 && printf '%s' "$cookie" >"$cluster/n$i/home/.erlang.cookie")
    read -r amqp mgmt dist < <(free_ports 3)
    start_rabbit_node "$cluster/n$i" "r$i@localhost" "$amqp" "$mgmt" "$dist" "$epmd"
    echo "$amqp" >"$cluster/n$i/port"
    if [ "$i" -gt 1 ]; then
      { "$cluster/n$i/ctl" stop_app && "$cluster/n$i/ctl" join_cluster r1@localhost && "$cluster/n$i/ctl" start_app; } \
        >/dev/null 2>&1 || die "RabbitMQ node r$i did not join the cluster"
    fi
  done
  secret=$(rabbit_user "$cluster/n1")
  for i in 1 2 3; do
    echo "amqp://eventapp:$secret@127.0.0.1:$(cat "$cluster/n$i/port")" >"$cluster/n$i/amqp"
  done
  is_root && chown -R "$SERVICE_USER" "$cluster"
  export EVENTAPP_RABBITMQ_CLUSTER=$cluster
  log "RabbitMQ cluster of three running: $(cat "$cluster"/n*/amqp | tr '\n' ' ')(data: $cluster)"
}

stop_rabbitmq_cluster() {
  [ -n "$_STARTED_RABBIT_CLUSTER" ] || return 0
  local cluster=$_STARTED_RABBIT_CLUSTER
  stop_rabbit_node "$cluster/n3"
  stop_rabbit_node "$cluster/n2"
  stop_rabbit_node "$cluster/n1" epmd
  rm -rf "$cluster"
  _STARTED_RABBIT_CLUSTER=""
}

stop_rabbitmq() {
  [ -n "$_STARTED_RABBIT_DIR" ] || return 0
  stop_rabbit_node "$_STARTED_RABBIT_DIR" epmd
  [ -n "$_STARTED_RABBIT_THROWAWAY" ] && rm -rf "$_STARTED_RABBIT_DIR"
  _STARTED_RABBIT_DIR=""
}

# Stops the node on folder $1: stop waits for its process to exit (given its pid file). With $2 = epmd, its epmd
# too, the last node's: epmd refuses to stop while a node is still registered, and otherwise outlives the broker.
stop_rabbit_node() {
  local dir=$1 epmd=${2:-}
  as_service_user bash -c ". '$dir/env'; $RABBITMQCTL -n \"\$RABBITMQ_NODENAME\" stop \"\$RABBITMQ_PID_FILE\" >/dev/null 2>&1
    [ -z '$epmd' ] || for _ in \$(seq 1 20); do epmd -kill >/dev/null 2>&1 && break; sleep 0.5; done" || true
}

provision_cleanup() {
  stop_rabbitmq_cluster
  stop_rabbitmq
  stop_postgres
  if [ -n "$_STARTED_COMPOSE" ]; then
    compose stop >/dev/null 2>&1 || true
    _STARTED_COMPOSE=""
  fi
}
