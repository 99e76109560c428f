#!/usr/bin/env bash
# A local Redis Cluster for the specs: six redis-server processes on free loopback ports, joined
# by `redis-cli --cluster create … --cluster-replicas 1` (three masters, one replica each).
#   eval "$(scripts/redis-cluster.sh start)"   # exports RX_SSM_REDIS_CLUSTER and RX_SSM_REDIS_CLUSTER_DIR
#   scripts/redis-cluster.sh stop               # stops it and removes its files
# Specs that take a node down start a cluster of their own; the others use this one when the
# variable is set, and start their own otherwise.
set -euo pipefail

start() {
  local dir ports=() port
  dir=$(mktemp -d -t rx-ssm-cluster-XXXXXX)
  for _ in 1 2 3 4 5 6; do
    port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
    ports+=("$port")
    redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes \
      --cluster-config-file "nodes-$port.conf" --cluster-node-timeout 2000 --dir "$dir" \
      --save '' --appendonly no --daemonize yes --pidfile "$dir/$port.pid" \
      --logfile "$dir/$port.log" >&2
  done
  for port in "${ports[@]}"; do
    until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done
  done
  local nodes=()
  for port in "${ports[@]}"; do nodes+=("127.0.0.1:$port"); done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >&2
  for _ in $(seq 1 200); do
    local ok=1
    for port in "${ports[@]}"; do
      redis-cli -p "$port" cluster info | grep -q 'cluster_state:ok' || ok=0
      redis-cli -p "$port" info replication | grep -Eq 'role:master|master_link_status:up' || ok=0
    done
    [ "$ok" = 1 ] && break
    sleep 0.1
  done
  local seeds
  seeds=$(IFS=,; echo "${nodes[*]}")
  echo "export RX_SSM_REDIS_CLUSTER=$seeds RX_SSM_REDIS_CLUSTER_DIR=$dir"
}

stop() {
  local dir=${RX_SSM_REDIS_CLUSTER_DIR:-}
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  for pidfile in "$dir"/*.pid; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  sleep 0.5
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
