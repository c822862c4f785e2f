#!/usr/bin/env bash
# Starts, stops and reports on a local 3-server ZooKeeper ensemble, each server its own process:
# client ports 2181-2183 on 127.0.0.1, peer ports 2888-2890 and election ports 3888-3890.
# The servers run from the ZooKeeper jars Maven already fetched for the examples module:
# nothing is downloaded, no Docker.
#
#   scripts/local-ensemble.sh start  DATA_DIR   # config, data, logs and pid files go under DATA_DIR
#   scripts/local-ensemble.sh status DATA_DIR
#   scripts/local-ensemble.sh stop   DATA_DIR
#
# Then: mvn -q -pl examples exec:java -Dexec.args="--connect 127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183"
set -euo pipefail

usage() {
    echo "usage: $0 start|stop|status DATA_DIR" >&2
    exit 2
}

[[ $# -eq 2 ]] || usage
command=$1
data_dir=$2
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
servers=(1 2 3)

client_port() { echo $((2180 + $1)); }
pid_file() { echo "$data_dir/zk$1/server.pid"; }

# The pid of server $1 if it is running, else nothing.
running_pid() {
    local f pid
    f=$(pid_file "$1")
    [[ -f $f ]] || return 0
    pid=$(<"$f")
    if kill -0 "$pid" 2>/dev/null; then
        echo "$pid"
    fi
}

# Asks server $1 for "srvr" over bash's /dev/tcp (no nc needed); prints its Mode line if it serves.
server_mode() {
    local reply
    reply=$(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$(client_port "$1") && printf srvr >&3 && cat <&3" \
        2>/dev/null) || true
    sed -n 's/^Mode: //p' <<<"$reply"
}

classpath() {
    local cp_file=$data_dir/classpath.txt
    if [[ ! -s $cp_file ]]; then
        echo "Resolving the ZooKeeper server classpath with Maven (examples module)..." >&2
        if ! (cd "$repo" && mvn -q dependency:build-classpath -pl examples -Dmdep.includeScope=runtime \
                -Dmdep.outputFile="$cp_file" >"$data_dir/maven.log" 2>&1); then
            echo "Maven could not resolve it (see $data_dir/maven.log); run 'mvn -q install -DskipTests' first." >&2
            exit 1
        fi
    fi
    cat "$cp_file"
}

write_config() {
    local id=$1 dir=$data_dir/zk$1
    mkdir -p "$dir/data"
    echo "$id" >"$dir/data/myid"
    cat >"$dir/zoo.cfg" <<CFG
tickTime=2000
initLimit=10
syncLimit=5
dataDir=$dir/data
clientPort=$(client_port "$id")
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=srvr,ruok
server.1=127.0.0.1:2888:3888
server.2=127.0.0.1:2889:3889
server.3=127.0.0.1:2890:3890
CFG
}

start() {
    mkdir -p "$data_dir"
    data_dir=$(cd "$data_dir" && pwd)
    local cp id pid
    cp=$(classpath)
    for id in "${servers[@]}"; do
        if [[ -n $(running_pid "$id") ]]; then
            echo "server $id already running (pid $(running_pid "$id"))"
            continue
        fi
        write_config "$id"
        nohup "$java" -Xmx256m -Dzookeeper.admin.enableServer=false -cp "$cp" \
            org.apache.zookeeper.server.quorum.QuorumPeerMain "$data_dir/zk$id/zoo.cfg" \
            >"$data_dir/zk$id/server.log" 2>&1 </dev/null &
        pid=$!
        echo "$pid" >"$(pid_file "$id")"
        echo "server $id starting: pid $pid, client port $(client_port "$id"), log $data_dir/zk$id/server.log"
    done
    echo "Waiting for a quorum..."
    local deadline=$((SECONDS + 60))
    while ((SECONDS < deadline)); do
        if [[ -n $(server_mode 1) && -n $(server_mode 2) && -n $(server_mode 3) ]]; then
            status
            echo "Connect string: 127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183"
            return 0
        fi
        sleep 1
    done
    status || true
    echo "The ensemble did not form within 60 s; see the server.log files under $data_dir." >&2
    exit 1
}

status() {
    local id pid mode serving=0
    for id in "${servers[@]}"; do
        pid=$(running_pid "$id")
        mode=$(server_mode "$id")
        if [[ -n $mode ]]; then
            serving=$((serving + 1))
            echo "server $id (127.0.0.1:$(client_port "$id")): serving as $mode${pid:+, pid $pid}"
        elif [[ -n $pid ]]; then
            echo "server $id (127.0.0.1:$(client_port "$id")): process $pid running, not serving (yet)"
        else
            echo "server $id (127.0.0.1:$(client_port "$id")): stopped"
        fi
    done
    echo "$serving of ${#servers[@]} servers serving"
    [[ $serving -ge 2 ]]
}

stop() {
    local id pid waited
    for id in "${servers[@]}"; do
        pid=$(running_pid "$id")
        if [[ -z $pid ]]; then
            echo "server $id not running"
            rm -f "$(pid_file "$id")"
            continue
        fi
        kill "$pid"
        for waited in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -9 "$pid"
        fi
        rm -f "$(pid_file "$id")"
        echo "server $id stopped (pid $pid)"
    done
}

case $command in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) usage ;;
esac
