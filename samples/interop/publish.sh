#!/usr/bin/env bash
# Invalidate the near caches of a nearcache application from a shell, with redis-cli (docs/protocol.md).
#
#   publish.sh invalidate CACHE KEY...     evict these keys (canonical forms: 42, sku-17, ["42","eu"]) everywhere
#   publish.sh clear [CACHE]               clear one cache, or every cache, everywhere
#
# Environment: REDIS_HOST (localhost), REDIS_PORT (6379), CHANNEL (nearcache:catalog: nearcache:<spring.application.name>),
# ORIGIN (a fixed id for this publisher; instances never skip it, it only names the sender in their logs).
# Prints how many subscribers (instances) received the message: 0 means none is listening on that channel.
#
# What it sends is exactly what any language would, e.g.
#   redis-cli PUBLISH nearcache:catalog '{"v":1,"type":"invalidate","cache":"products","keys":["42"]}'
#   redis-cli PUBLISH nearcache:catalog '{"v":1,"type":"clear","cache":"products"}'
set -euo pipefail

usage() {
	sed -n '2,6p' "$0" >&2
	exit 2
}

json_string() { # a JSON string literal: escapes backslash, double quote and control characters
	local s=$1
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	s=${s//$'\n'/\\n}
	s=${s//$'\r'/\\r}
	s=${s//$'\t'/\\t}
	printf '"%s"' "$s"
}

[ $# -ge 1 ] || usage
type=$1
shift
ts=$(date +%s%N)
case "$ts" in
	*N) ts=$(($(date +%s) * 1000)) ;; # no %N (macOS): whole seconds
	*) ts=$((ts / 1000000)) ;;
esac
header="\"v\":1,\"type\":\"$type\",\"origin\":$(json_string "${ORIGIN:-shell-$(hostname)}"),\"ts\":$ts"
case "$type" in
	invalidate)
		[ $# -ge 2 ] || usage
		cache=$1
		shift
		keys=$(for key in "$@"; do json_string "$key"; printf ','; done)
		message="{$header,\"cache\":$(json_string "$cache"),\"keys\":[${keys%,}]}"
		;;
	clear)
		[ $# -le 1 ] || usage
		message="{$header${1:+,\"cache\":$(json_string "$1")}}"
		;;
	*) usage ;;
esac
redis-cli -h "${REDIS_HOST:-localhost}" -p "${REDIS_PORT:-6379}" PUBLISH "${CHANNEL:-nearcache:catalog}" "$message"
