#!/usr/bin/env bash
# Attach a new synchronous standby to the store server: after a failover the promoted
# standby runs alone (docs/scaling.md, "After a failover"). Run as the PostgreSQL OS user
# on the machine of the new standby.
#
#   scripts/attach-standby.sh --primary 'host=db2 port=5432 user=replicator' \
#       --data /var/lib/postgresql/15/standby --name standby2 [--port 5432] [--bin DIR]
#
# 1. copies the primary (pg_basebackup, streaming its WAL, with a replication slot of
#    the standby's name so the primary keeps what the standby has not received yet);
# 2. starts the copy as a hot standby streaming from the primary under `--name`;
# 3. waits until it streams, and only then makes it the primary's synchronous standby
#    (synchronous_standby_names): from then on a commit returns once the standby has
#    its WAL on disk. Setting it before the standby streams would hold every commit
#    (every charge at every counter) until it does.
# The terminals keep charging throughout; nothing changes at the counters.
set -euo pipefail

primary="" data="" name="" port=5432 bin="" timeout=600
while [ $# -gt 0 ]; do
  case "$1" in
    --primary) primary="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    --name) name="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --bin) bin="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
if [ -z "$primary" ] || [ -z "$data" ] || [ -z "$name" ]; then
  echo "usage: $0 --primary CONNINFO --data DIR --name NAME [--port PORT] [--bin DIR]" >&2
  exit 2
fi
case "$primary" in
  *://*) echo "--primary: a key=value connection string (host=... port=... user=...), not a URL" >&2; exit 2 ;;
esac
case "$name" in
  *[!a-z0-9_]*) echo "--name: lower-case letters, digits and _ only (a slot's name)" >&2; exit 2 ;;
esac
if [ -z "$bin" ]; then
  bin="$(dirname "$(command -v pg_basebackup || ls -d /usr/lib/postgresql/*/bin/pg_basebackup | tail -1)")"
fi
if [ -e "$data" ] && [ -n "$(ls -A "$data" 2>/dev/null)" ]; then
  echo "$data is not empty: give a new folder for the standby" >&2
  exit 2
fi

ask() { "$bin/psql" -d "$primary" -Atc "$1"; }

echo "copying the primary into $data"
# --checkpoint=fast: the default spread checkpoint kept the copy waiting minutes.
"$bin/pg_basebackup" -d "$primary" -D "$data" -X stream -R -C -S "$name" --checkpoint=fast
# After pg_basebackup -R's own line (the last one read wins): the standby's name, which
# the primary's synchronous_standby_names names.
cat >> "$data/postgresql.auto.conf" <<EOF
primary_conninfo = '$primary application_name=$name'
primary_slot_name = '$name'
port = $port
hot_standby = on
synchronous_standby_names = ''
EOF

echo "starting the standby on port $port"
"$bin/pg_ctl" start -w -t 120 -D "$data" -l "$data/standby.log"

# wait_for COLUMN VALUE: until pg_stat_replication shows the standby's COLUMN at VALUE,
# for at most --timeout seconds from now (each wait has the whole timeout of its own).
wait_for() {
  local deadline=$((SECONDS + timeout))
  until [ "$(ask "SELECT $1 FROM pg_stat_replication WHERE application_name = '$name'")" = "$2" ]; do
    [ $SECONDS -gt $deadline ] && return 1
    sleep 0.5
  done
}

echo "waiting until it streams"
if ! wait_for state streaming; then
  echo "the standby $name did not stream within ${timeout}s; the primary runs on alone" >&2
  exit 1
fi

echo "making it the primary's synchronous standby"
ask "ALTER SYSTEM SET synchronous_standby_names = '\"$name\"'" >/dev/null
ask "SELECT pg_reload_conf()" >/dev/null
if ! wait_for sync_state sync; then
  # Left set, the setting would hold every commit (every charge at every counter) for a
  # standby that does not confirm: taken back, the primary runs on alone.
  ask "ALTER SYSTEM RESET synchronous_standby_names" >/dev/null
  ask "SELECT pg_reload_conf()" >/dev/null
  echo "the standby $name streams but did not become synchronous within ${timeout}s;" \
       "synchronous_standby_names is reset and the primary runs on alone" >&2
  exit 1
fi
echo "$name is the synchronous standby"
