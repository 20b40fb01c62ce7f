#!/usr/bin/env bash
# See nearcache keep two instances of the catalog coherent.
#
# Starts a Redis on a free port (redis-server from PATH, else the binary shipped in the embedded-redis jar in
# ~/.m2; or uses the Redis on the port given as the first argument), two instances of the catalog on free ports
# sharing one database (the first hosts an in-memory H2 database over TCP, the second connects to it), reads a
# product through both, updates it through one, measures how soon the other serves the new value, and prints the
# nearcache actuator statistics of both before and after; then changes a price through a write path without
# @CacheInvalidate and shows the stale-read audit (sample rate 1 here, as in staging) catching it. Stops everything it
# started, whatever happens.
#
#   samples/catalog/demo.sh            # own Redis
#   samples/catalog/demo.sh 6379       # the Redis on localhost:6379 (it must be reachable)
#
# Needs bash, curl and a JDK 17+. Builds the sample if its jar is missing (CATALOG_JAR names another jar).
# Exits 0 when every step behaved as described, non-zero with a message saying which did not.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/catalog-demo.XXXXXX")
pids=()
names=()
ok=false

log() { printf '%s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }

fail() {
	printf '\ndemo: FAILED: %s\n' "$*" >&2
	for f in "$work"/*.log; do
		[ -f "$f" ] || continue
		printf -- '--- %s: first errors\n' "$(basename "$f")" >&2
		grep -m 8 -E 'ERROR|WARN|Caused by|Hosting|joining' "$f" | cut -c 1-400 >&2 || true
		printf -- '--- %s: last lines\n' "$(basename "$f")" >&2
		tail -n 15 "$f" | cut -c 1-400 >&2
	done
	exit 1
}

cleanup() {
	local status=$?
	# Newest first: the second instance before the first, which hosts the database; Redis last.
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		if kill -0 "${pids[$i]}" 2>/dev/null; then
			kill "${pids[$i]}" 2>/dev/null || true
			for _ in $(seq 100); do kill -0 "${pids[$i]}" 2>/dev/null || break; sleep 0.1; done
			kill -9 "${pids[$i]}" 2>/dev/null || true
			wait "${pids[$i]}" 2>/dev/null || true
			[ "$ok" = true ] && log "stopped ${names[$i]} (pid ${pids[$i]})"
		fi
	done
	rm -rf "$work"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { # bash 5's clock without a fork; else date (whole seconds where date has no %N, as on macOS)
	if [ -n "${EPOCHREALTIME:-}" ]; then
		local t=${EPOCHREALTIME/[.,]/}
		echo $((t / 1000))
	else
		local t
		t=$(date +%s%N)
		case "$t" in
			*N) echo $(($(date +%s) * 1000)) ;;
			*) echo $((t / 1000000)) ;;
		esac
	fi
}

# A port nobody listens on (bash's /dev/tcp: connection refused means free).
free_port() {
	local port
	for _ in $(seq 50); do
		port=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768+) of outgoing connections
		if ! { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	fail "no free port found"
}

redis_ping() { # port; a raw RESP PING over bash's /dev/tcp, so that redis-cli is not needed
	local reply
	reply=$({ exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null && printf 'PING\r\n' >&3 && read -r -t 2 line <&3 && echo "$line") || return 1
	[ "${reply%$'\r'}" = "+PONG" ]
}

start() { # name, log file, command...
	local name=$1 logfile=$2
	shift 2
	"$@" >"$logfile" 2>&1 &
	pids+=($!)
	names+=("$name")
}

command -v curl >/dev/null || fail "curl is needed"
command -v java >/dev/null || fail "java is needed (JDK 17+)"

# --- Redis -----------------------------------------------------------------------------------------------------
step "Redis"
if [ $# -ge 1 ]; then
	redis_port=$1
	redis_ping "$redis_port" || fail "no Redis answers PING on localhost:$redis_port"
	log "using the Redis on localhost:$redis_port"
else
	redis_server=$(command -v redis-server || true)
	if [ -z "$redis_server" ]; then
		case "$(uname -s)-$(uname -m)" in
			Linux-x86_64) pattern='redis-server-*-linux-amd64' ;;
			Linux-aarch64 | Linux-arm64) pattern='redis-server-*-linux-arm64' ;;
			Darwin-x86_64) pattern='redis-server-*-darwin-amd64' ;;
			Darwin-arm64) pattern='redis-server-*-darwin-arm64' ;;
			*) fail "no redis-server on PATH and no embedded binary for $(uname -s)-$(uname -m)" ;;
		esac
		jar_file=$(ls -1 "${MAVEN_REPOSITORY:-$HOME/.m2/repository}"/com/github/codemonstur/embedded-redis/*/embedded-redis-*.jar 2>/dev/null | sort -V | tail -n 1 || true)
		[ -n "$jar_file" ] || fail "no redis-server on PATH and no embedded-redis jar in ~/.m2 (./mvnw verify downloads it)"
		mkdir -p "$work/redis-bin"
		(cd "$work/redis-bin" && if command -v unzip >/dev/null; then unzip -q "$jar_file" "$pattern"; else jar xf "$jar_file"; fi)
		redis_server=$(ls -1 "$work"/redis-bin/$pattern 2>/dev/null | head -n 1 || true)
		[ -n "$redis_server" ] || fail "$jar_file holds no $pattern"
		chmod +x "$redis_server"
	fi
	redis_port=$(free_port)
	start redis "$work/redis.log" "$redis_server" --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work"
	for _ in $(seq 100); do redis_ping "$redis_port" && break; sleep 0.1; done
	redis_ping "$redis_port" || fail "redis-server did not answer PING on port $redis_port"
	log "started $redis_server on port $redis_port"
fi

# --- The catalog, twice ----------------------------------------------------------------------------------------
jar=${CATALOG_JAR:-$here/target/nearcache-sample-catalog-0.1.0-SNAPSHOT.jar}
if [ ! -f "$jar" ]; then
	step "Building the sample (no $jar yet)"
	(cd "$root" && ./mvnw -q -B -pl samples/catalog -am package -DskipTests) || fail "the build failed"
fi

db_port=$(free_port)
port1=$(free_port)
port2=$(free_port)
while [ "$port2" = "$port1" ]; do port2=$(free_port); done
url1=http://localhost:$port1
url2=http://localhost:$port2

run_catalog() { # name, port
	start "$1" "$work/$1.log" env CATALOG_DB_PORT="$db_port" REDIS_HOST=localhost REDIS_PORT="$redis_port" \
		java -XX:TieredStopAtLevel=1 -jar "$jar" --server.port="$2" --nearcache.instance-id="$1" \
		--spring.main.banner-mode=off --nearcache.caches.products.audit.sample-rate=1 \
		--management.endpoints.web.exposure.include=health,info,caches,nearcache,metrics
}

await_ready() { # name, url, pid
	local deadline=$(($(now_ms) + ${CATALOG_START_TIMEOUT:-120} * 1000))
	until [ "$(curl -s -o /dev/null -w '%{http_code}' "$2/actuator/health/readiness")" = 200 ]; do
		kill -0 "$3" 2>/dev/null || fail "$1 exited during startup"
		[ "$(now_ms)" -lt "$deadline" ] || fail "$1 was not ready within ${CATALOG_START_TIMEOUT:-120} s"
		sleep 0.5
	done
	# Ready to serve; now wait for its invalidation channel (subscribed, own heartbeat back).
	until curl -s "$2/actuator/nearcache" | grep -q '"state":"SUBSCRIBED"'; do
		[ "$(now_ms)" -lt "$deadline" ] || fail "$1 did not subscribe to the invalidation channel"
		sleep 0.2
	done
}

step "Two instances of the catalog"
started_at=$(now_ms)
run_catalog catalog-1 "$port1"
pid1=${pids[${#pids[@]} - 1]}
# The first instance hosts the database; the second joins once the first has created and seeded it.
until grep -q -e 'Seeded' -e 'Started CatalogApplication' "$work/catalog-1.log" 2>/dev/null; do
	kill -0 "$pid1" 2>/dev/null || fail "catalog-1 exited during startup"
	[ $(($(now_ms) - started_at)) -lt $((${CATALOG_START_TIMEOUT:-120} * 1000)) ] || fail "catalog-1 did not seed the database"
	sleep 0.2
done
run_catalog catalog-2 "$port2"
pid2=${pids[${#pids[@]} - 1]}
await_ready catalog-1 "$url1" "$pid1"
log "catalog-1 ready after $(($(now_ms) - started_at)) ms"
await_ready catalog-2 "$url2" "$pid2"
log "catalog-2 ready after $(($(now_ms) - started_at)) ms"
log "catalog-1  $url1  $(grep -o 'Hosting the catalog database[^;]*' "$work/catalog-1.log")"
log "catalog-2  $url2  $(grep -o 'joining the catalog database[^;]*' "$work/catalog-2.log" || echo '(did not join the shared database?)')"
log "both subscribed to nearcache:catalog on Redis port $redis_port, $(($(now_ms) - started_at)) ms after the first start"

# --- Helpers reading the actuator ------------------------------------------------------------------------------
field() { # json, name -> first number after "name":
	grep -o "\"$2\":[0-9.Ee-]*" <<<"$1" | head -n 1 | cut -d: -f2
}

stats() { # name, url
	local instance products
	instance=$(curl -s "$2/actuator/nearcache")
	products=$(curl -s "$2/actuator/nearcache/products")
	printf '%-9s  channel %-10s published=%-2s applied=%-2s | products: size=%s hits=%s misses=%s loads=%s invalidations local=%s remote=%s\n' \
		"$1" "$(grep -o '"state":"[A-Z_]*"' <<<"$instance" | cut -d'"' -f4)" \
		"$(field "$instance" published)" "$(field "$instance" applied)" \
		"$(field "$products" size)" "$(field "$products" hits)" "$(field "$products" misses)" \
		"$(field "$products" loads)" "$(field "$products" local)" "$(field "$products" remote)"
}

product() { # url, id -> body
	curl -s "$1/products/$2"
}

name_of() { grep -o '"name":"[^"]*"' <<<"$1" | cut -d'"' -f4; }

# --- The demo --------------------------------------------------------------------------------------------------
step "nearcache statistics before (GET /actuator/nearcache, /actuator/nearcache/products)"
stats catalog-1 "$url1"
stats catalog-2 "$url2"

step "Read product 1 twice through each instance"
for i in 1 2; do
	log "catalog-1  GET /products/1  $(product "$url1" 1)"
	log "catalog-2  GET /products/1  $(product "$url2" 1)"
done
stats catalog-1 "$url1"
stats catalog-2 "$url2"
products2=$(curl -s "$url2/actuator/nearcache/products")
[ "$(field "$products2" hits)" -ge 1 ] || fail "the second read on catalog-2 was not a local hit"
log "-> the second read on each instance was a local hit: served from its own Caffeine, no database, no Redis"

step "Update product 1 through catalog-1; poll catalog-2 until it serves the new value"
new_name="Espresso cup (demo $RANDOM)"
t0=$(now_ms)
updated=$(curl -s -X PUT "$url1/products/1" -H 'Content-Type: application/json' -d "{\"name\":\"$new_name\",\"price\":8.10}")
t1=$(now_ms)
[ "$(name_of "$updated")" = "$new_name" ] || fail "the update failed: $updated"
log "catalog-1  PUT /products/1  $updated  ($((t1 - t0)) ms)"
reads=0
while :; do
	seen=$(product "$url2" 1)
	reads=$((reads + 1))
	t2=$(now_ms)
	[ "$(name_of "$seen")" = "$new_name" ] && break
	[ $((t2 - t1)) -lt 5000 ] || fail "catalog-2 still served '$(name_of "$seen")' 5 s after the update"
done
log "catalog-2  GET /products/1  $seen"
log "-> catalog-2 served the new value $((t2 - t1)) ms after catalog-1's PUT returned (read $reads time(s), each an HTTP round trip)"
lag=$(curl -s "$url2/actuator/metrics/nearcache.invalidation.lag")
lag_total=$(grep -o '"statistic":"TOTAL_TIME","value":[0-9.Ee-]*' <<<"$lag" | cut -d: -f3 || true)
lag_count=$(grep -o '"statistic":"COUNT","value":[0-9.Ee-]*' <<<"$lag" | cut -d: -f3 || true)
if [ -n "$lag_total" ] && [ -n "$lag_count" ]; then
	log "-> nearcache.invalidation.lag on catalog-2 (published by catalog-1 -> applied by catalog-2): $(awk -v t="$lag_total" -v c="$lag_count" 'BEGIN { if (c > 0) printf "%.1f ms (mean of %d)", t * 1000 / c, c; else print "not recorded" }')"
fi

step "nearcache statistics after"
stats catalog-1 "$url1"
stats catalog-2 "$url2"
products2=$(curl -s "$url2/actuator/nearcache/products")
[ "$(field "$products2" remote)" -ge 1 ] || fail "catalog-2 counted no remote invalidation"
log "-> catalog-1 invalidated key 1 locally after the commit and published it; catalog-2 applied it (remote) and reloaded"

step "Evicting by hand through the actuator is protected (POST /actuator/nearcache/products {\"key\":\"1\"})"
product "$url1" 1 >/dev/null
product "$url2" 1 >/dev/null
anonymous=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url1/actuator/nearcache/products" -H 'Content-Type: application/json' -d '{"key":"1"}')
log "without credentials: HTTP $anonymous"
[ "$anonymous" = 401 ] || fail "an anonymous eviction was not refused with 401"
evicted=$(curl -s -u ops:ops -X POST "$url1/actuator/nearcache/products" -H 'Content-Type: application/json' -d '{"key":"1"}')
log "as ops:            $evicted"
grep -q '"broadcast":true' <<<"$evicted" || fail "the eviction as ops was not broadcast: $evicted"
for _ in $(seq 50); do
	[ "$(field "$(curl -s "$url2/actuator/nearcache/products")" remote)" -ge 2 ] && break
	sleep 0.1
done
stats catalog-1 "$url1"
stats catalog-2 "$url2"
[ "$(field "$(curl -s "$url2/actuator/nearcache/products")" remote)" -ge 2 ] || fail "catalog-2 did not apply the eviction"
log "-> evicted on catalog-1 and, through the channel, on catalog-2"

step "A write path without @CacheInvalidate, caught by the stale-read audit (products audited at sample rate 1 here)"
product "$url2" 2 >/dev/null
before=$(product "$url2" 2)
log "catalog-2  GET /products/2  $before"
price_of() { grep -o '"price":[0-9.]*' <<<"$1" | cut -d: -f2; }
status=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$url1/admin/products/2/price" -H 'Content-Type: application/json' -d '{"price":99.99}')
[ "$status" = 204 ] || fail "PUT /admin/products/2/price answered HTTP $status"
log "catalog-1  PUT /admin/products/2/price {\"price\":99.99}  HTTP $status  (PriceAdministration: one SQL UPDATE, no @CacheInvalidate)"
audit_started=$(now_ms)
stale=$(product "$url2" 2)
log "catalog-2  GET /products/2  $stale"
[ "$(price_of "$stale")" = "$(price_of "$before")" ] || fail "catalog-2 did not serve the cached price: $stale"
log "-> catalog-2 still serves price $(price_of "$stale"): no invalidation was sent. This hit was sampled: the audit reads product 2 again, without the cache, in the background"
audit_of() { curl -s "$1/actuator/nearcache/products" | sed -e 's/.*"audit"://' -e 's/}$//'; }
until [ "$(field "$(audit_of "$url2")" mismatch)" -ge 1 ] 2>/dev/null; do
	[ $(($(now_ms) - audit_started)) -lt 30000 ] || fail "the audit did not confirm the stale read within 30 s: $(audit_of "$url2")"
	sleep 0.25
done
log "-> confirmed $(($(now_ms) - audit_started)) ms after the stale read (the difference must outlive the staleness bound, 4.1 s by default, with no invalidation of the key)"
log "catalog-2  GET /actuator/nearcache/products  \"audit\":$(audit_of "$url2")"
mismatches=$(curl -s "$url2/actuator/metrics/nearcache.audit.samples?tag=cache:products&tag=result:mismatch" | grep -o '"statistic":"COUNT","value":[0-9.Ee-]*' | cut -d: -f3 || true)
log "catalog-2  GET /actuator/metrics/nearcache.audit.samples?tag=cache:products&tag=result:mismatch  -> ${mismatches:-?}"
warning=$(grep -m 1 -o 'Stale read confirmed.*in place\.' "$work/catalog-2.log" || true)
[ -n "$warning" ] || fail "catalog-2 logged no WARN for the stale read"
log "catalog-2  WARN  $warning"
log "-> the fix: @CacheInvalidate(cacheNames = \"products\", key = \"#id\") on PriceAdministration.reprice"

step "Stopping what the demo started"
ok=true
log "demo: OK"
