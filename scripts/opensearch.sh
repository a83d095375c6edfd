#!/usr/bin/env bash
# A local single-node OpenSearch for development and tests, without Docker.
#
#   scripts/opensearch.sh fetch    download (Maven Central) and unpack OpenSearch into .cache/opensearch
#   scripts/opensearch.sh start    start it on 127.0.0.1:$OPENSEARCH_PORT and wait until it is healthy
#   scripts/opensearch.sh stop     stop it
#   scripts/opensearch.sh status   say whether it runs and answers
#
# Environment: OPENSEARCH_PORT (default 9200), OPENSEARCH_HEAP (default 512m), JAVA_HOME (found
# from `java` on the PATH when unset).
#
# Maven Central carries only the minimal "integ-test" distribution: no security plugin (so the node
# speaks plain HTTP without authentication, and only ever binds to the loopback address) and no
# modules but the HTTP transport. Our index settings need the analysis-common module (pattern
# tokenizer, lowercase and length filters): its jar is on Maven Central too, and `fetch` installs
# it as a module with the descriptor its release zip would carry.
set -euo pipefail

VERSION=2.19.4
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache/opensearch"
HOME_DIR="$CACHE/opensearch-$VERSION"
ANALYSIS_DIR="$HOME_DIR/modules/analysis-common"
DATA_DIR="$CACHE/data"
LOG_DIR="$CACHE/logs"
PID_FILE="$CACHE/opensearch.pid"
PORT="${OPENSEARCH_PORT:-9200}"
HEAP="${OPENSEARCH_HEAP:-512m}"
URL="http://127.0.0.1:$PORT"
RUN_USER=opensearch
START_TIMEOUT=120

say() { echo "opensearch: $*"; }
die() { echo "opensearch: $*" >&2; exit 1; }

healthy() {
    curl -sf --max-time 2 "$URL/_cluster/health" 2>/dev/null | grep -Eq '"status":"(green|yellow)"'
}

running_pid() {
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid="$(cat "$PID_FILE")"
    kill -0 "$pid" 2>/dev/null && echo "$pid"
}

java_home() {
    if [[ -n "${JAVA_HOME:-}" ]]; then
        echo "$JAVA_HOME"
    else
        command -v java >/dev/null || die "no java on the PATH and JAVA_HOME unset: install a JDK (17 or 21)"
        dirname "$(dirname "$(readlink -f "$(command -v java)")")"
    fi
}

maven_copy() {
    command -v mvn >/dev/null || die "mvn is needed to fetch OpenSearch from Maven Central"
    mvn -q -B dependency:copy -Dartifact="$1" -DoutputDirectory="$2"
}

fetch() {
    if [[ -x "$HOME_DIR/bin/opensearch" && -f "$ANALYSIS_DIR/plugin-descriptor.properties" ]]; then
        say "already fetched: $HOME_DIR"
        return
    fi
    mkdir -p "$CACHE"
    # Each part is unpacked beside its final place and renamed, so that an interrupted fetch
    # never looks complete.
    if [[ ! -x "$HOME_DIR/bin/opensearch" ]]; then
        say "fetching OpenSearch $VERSION from Maven Central"
        maven_copy "org.opensearch.distribution.integ-test-zip:opensearch:$VERSION:zip" "$CACHE"
        rm -rf "$HOME_DIR.partial"
        mkdir "$HOME_DIR.partial"
        unzip -q "$CACHE/opensearch-$VERSION.zip" -d "$HOME_DIR.partial"
        mv "$HOME_DIR.partial/opensearch-$VERSION" "$HOME_DIR"
        rm -rf "$HOME_DIR.partial" "$CACHE/opensearch-$VERSION.zip"
    fi
    say "adding the analysis-common module"
    rm -rf "$ANALYSIS_DIR" "$CACHE/analysis-common.partial"
    mkdir "$CACHE/analysis-common.partial"
    maven_copy "org.opensearch.plugin:analysis-common:$VERSION" "$CACHE/analysis-common.partial"
    cat >"$CACHE/analysis-common.partial/plugin-descriptor.properties" <<EOF
description=Adds "built in" analyzers to OpenSearch.
version=$VERSION
name=analysis-common
classname=org.opensearch.analysis.common.CommonAnalysisPlugin
java.version=11
opensearch.version=$VERSION
custom.foldername=
extended.plugins=
has.native.controller=false
EOF
    mv "$CACHE/analysis-common.partial" "$ANALYSIS_DIR"
    say "fetched into $HOME_DIR"
}

# OpenSearch refuses to run as root: as root, run it as a dedicated system user.
as_run_user() {
    if [[ "$(id -u)" -ne 0 ]]; then
        "$@"
        return
    fi
    id "$RUN_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$RUN_USER"
    chown -R "$RUN_USER:" "$CACHE"
    runuser -u "$RUN_USER" -- "$@"
}

start() {
    [[ -x "$HOME_DIR/bin/opensearch" ]] || die "not fetched: run '$0 fetch' first"
    local pid
    if pid="$(running_pid)"; then
        if healthy; then
            say "already running at $URL (pid $pid)"
            return
        fi
        die "pid $pid of this install runs but does not answer at $URL (still starting, or on another port): wait, or '$0 stop' first"
    fi
    if healthy; then
        die "something else already answers at $URL: stop it or set OPENSEARCH_PORT"
    fi
    mkdir -p "$DATA_DIR" "$LOG_DIR"
    rm -f "$PID_FILE"
    say "starting at $URL (heap $HEAP, logs in $LOG_DIR)"
    # Disk thresholds off: on a nearly full dev disk the node would otherwise turn our indexes
    # read-only mid-test, an error unrelated to the code under test.
    # A session of its own, and no inherited stdout/stderr: the node must outlive the shell or
    # test run that started it, and must not hold that caller's pipes open.
    as_run_user setsid env \
        JAVA_HOME="$(java_home)" \
        OPENSEARCH_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP" \
        "$HOME_DIR/bin/opensearch" -d -p "$PID_FILE" \
        -Ediscovery.type=single-node \
        -Enetwork.host=127.0.0.1 \
        -Ehttp.port="$PORT" \
        -Epath.data="$DATA_DIR" \
        -Epath.logs="$LOG_DIR" \
        -Ecluster.routing.allocation.disk.threshold_enabled=false \
        </dev/null >>"$LOG_DIR/console.log" 2>&1
    local waited=0
    until healthy; do
        if ((waited >= START_TIMEOUT)); then
            die "no healthy answer at $URL after ${START_TIMEOUT}s; see $LOG_DIR/opensearch.log"
        fi
        if ((waited > 5)) && ! running_pid >/dev/null; then
            tail -n 20 "$LOG_DIR/console.log" >&2
            die "the node exited while starting; see $LOG_DIR/console.log and $LOG_DIR/opensearch.log"
        fi
        sleep 1
        waited=$((waited + 1))
    done
    say "ready at $URL (pid $(running_pid)) after ${waited}s"
}

stop() {
    local pid
    if ! pid="$(running_pid)"; then
        say "not running"
        rm -f "$PID_FILE"
        return
    fi
    say "stopping pid $pid"
    kill "$pid"
    for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$PID_FILE"; say "stopped"; return; }
        sleep 1
    done
    die "pid $pid did not stop within 60s"
}

status() {
    local pid
    if pid="$(running_pid)"; then
        if healthy; then
            say "running at $URL (pid $pid), healthy"
        else
            say "running (pid $pid) but not answering healthy at $URL"
            exit 1
        fi
    else
        say "not running"
        exit 3
    fi
}

case "${1:-}" in
    fetch) fetch ;;
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 {fetch|start|stop|status}" >&2; exit 2 ;;
esac
