#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft, combined broker+controller) for tests.
#
# Usage: scripts/kafka-local.sh start|stop|status
#
#   start   fetch the broker jars from Maven Central once (into the cache dir),
#           format KRaft storage once, start the broker in the background, wait
#           until it answers a real Kafka request (AdminClient DescribeCluster +
#           Metadata), warm up the group/transaction coordinators, print
#           "bootstrap=127.0.0.1:PORT". If already running, just prints that line.
#   stop    TERM the broker (by PID file), KILL after a bounded wait.
#   status  exit 0 and print "running ..." if up, exit 3 and "not running" if not.
#
# Environment (all optional):
#   KAFKA_LOCAL_VERSION          broker version            (4.4.0)
#   KAFKA_LOCAL_CACHE            jar cache, outside repo   ($HOME/.cache/ledgerline/kafka-<version>)
#   KAFKA_LOCAL_DIR              data/log/pid dir          (/tmp/ledgerline-kafka)
#   KAFKA_LOCAL_PORT             client listener port      (9092)
#   KAFKA_LOCAL_CONTROLLER_PORT  KRaft controller port     (9093)
#   KAFKA_LOCAL_HEAP             JVM heap flags            (-Xms256m -Xmx512m)
#   KAFKA_LOCAL_START_TIMEOUT    seconds to wait for ready (60)
#   KAFKA_LOCAL_JAVA             java binary (needs >= 17; default $JAVA_HOME/bin/java or java)
#
# Needs: bash, Java >= 17 (a JDK: javac compiles the readiness probe once), Maven (first run only).
# Broker: main class kafka.Kafka; storage format: kafka.tools.StorageTool (both in kafka_2.13).
# Broker log: $KAFKA_LOCAL_DIR/logs/server.log (stdout/stderr: broker.out).
# Wipe all data: stop, then rm -rf "$KAFKA_LOCAL_DIR".
set -euo pipefail

VERSION="${KAFKA_LOCAL_VERSION:-4.4.0}"
LOG4J_VERSION="${KAFKA_LOCAL_LOG4J_VERSION:-2.25.5}" # = what kafka_2.13 4.4.0 pulls in
CACHE="${KAFKA_LOCAL_CACHE:-$HOME/.cache/ledgerline/kafka-$VERSION}"
DIR="${KAFKA_LOCAL_DIR:-/tmp/ledgerline-kafka}"
PORT="${KAFKA_LOCAL_PORT:-9092}"
CPORT="${KAFKA_LOCAL_CONTROLLER_PORT:-9093}"
HEAP="${KAFKA_LOCAL_HEAP:--Xms256m -Xmx512m}"
START_TIMEOUT="${KAFKA_LOCAL_START_TIMEOUT:-60}"
if [[ -n "${KAFKA_LOCAL_JAVA:-}" ]]; then
  JAVA="$KAFKA_LOCAL_JAVA"
elif [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA=java
fi

HOST=127.0.0.1
BOOTSTRAP="$HOST:$PORT"
LIBS="$CACHE/libs"
PIDFILE="$DIR/broker.pid"
PROPS="$DIR/server.properties"
LOG4J="$DIR/log4j2.properties"
LOGDIR="$DIR/logs"
DATADIR="$DIR/data"
CLUSTER_ID_FILE="$DIR/cluster.id"

JAVA_COMPAT=""
log() { echo "kafka-local: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

java_major() {
  "$JAVA" -XshowSettings:properties -version 2>&1 \
    | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}

# ---------------------------------------------------------------- fetch jars
fetch_jars() {
  if [[ -f "$CACHE/.complete" ]]; then return 0; fi
  command -v mvn >/dev/null 2>&1 || die "Maven (mvn) not found; needed once to fetch Kafka $VERSION jars into $CACHE"
  log "fetching Apache Kafka $VERSION jars from Maven Central into $CACHE (one-time)"
  mkdir -p "$CACHE"
  rm -rf "$LIBS"
  cat >"$CACHE/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.ledgerline</groupId>
  <artifactId>kafka-local-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>org.apache.logging.log4j</groupId>
        <artifactId>log4j-bom</artifactId>
        <version>$LOG4J_VERSION</version>
        <type>pom</type>
        <scope>import</scope>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <!-- broker (kafka.Kafka, kafka.tools.StorageTool); brings log4j-api/core + slf4j-api 1.7 -->
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$VERSION</version>
    </dependency>
    <!-- the broker logs via slf4j 1.7; kafka_2.13's pom ships no binding -> route to log4j2 -->
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
    </dependency>
  </dependencies>
</project>
EOF
  local mvnlog="$CACHE/mvn.log"
  if ! mvn -B -q -Dstyle.color=never -f "$CACHE/pom.xml" \
        org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
        -DoutputDirectory="$LIBS" -DincludeScope=runtime >"$mvnlog" 2>&1; then
    tail -n 40 "$mvnlog" >&2 || true
    die "Maven failed to fetch org.apache.kafka:kafka_2.13:$VERSION (full log: $mvnlog)"
  fi
  ls "$LIBS"/kafka_2.13-"$VERSION".jar >/dev/null 2>&1 || die "kafka_2.13-$VERSION.jar missing in $LIBS after Maven run (see $mvnlog)"
  touch "$CACHE/.complete"
  log "jars cached: $(find "$LIBS" -name '*.jar' | wc -l) jars, $(du -sh "$LIBS" | cut -f1)"
}

# ---------------------------------------------------------------- config
write_config() {
  mkdir -p "$DIR" "$LOGDIR" "$DATADIR"
  cat >"$PROPS" <<EOF
# generated by scripts/kafka-local.sh -- rewritten on every start
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CPORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CPORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$DATADIR
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
num.network.threads=2
num.io.threads=4
log.retention.hours=24
log.segment.bytes=67108864
EOF
  cat >"$LOG4J" <<EOF
# generated by scripts/kafka-local.sh -- broker logs go to a file only
status = warn
# Kafka shuts down after log4j's own hook would run; keep logging until the JVM exits
# (avoids "Unable to register Log4j shutdown hook because JVM is shutting down")
shutdownHook = disable
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = $LOGDIR/server.log
appender.file.filePattern = $LOGDIR/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = INFO
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
  cat >"$DIR/tools-log4j2.properties" <<EOF
# CLI tools: warnings and errors only, to stderr
status = warn
shutdownHook = disable
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = ERROR
rootLogger.appenderRef.err.ref = STDERR
EOF
}

run_tool() { # main-class args...
  # shellcheck disable=SC2086
  "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC $JAVA_COMPAT \
    -Dlog4j2.configurationFile="$DIR/tools-log4j2.properties" \
    -cp "$LIBS/*" "$@"
}

format_storage() {
  if [[ -f "$DATADIR/meta.properties" ]]; then return 0; fi
  local cid
  if [[ -s "$CLUSTER_ID_FILE" ]]; then
    cid=$(cat "$CLUSTER_ID_FILE")
  else
    cid=$(run_tool kafka.tools.StorageTool random-uuid) || die "StorageTool random-uuid failed"
    echo "$cid" >"$CLUSTER_ID_FILE"
  fi
  log "formatting KRaft storage in $DATADIR (cluster id $cid)"
  run_tool kafka.tools.StorageTool format -t "$cid" -c "$PROPS" >"$LOGDIR/format.log" 2>&1 \
    || { cat "$LOGDIR/format.log" >&2; die "kafka storage format failed"; }
}

# ---------------------------------------------------------------- process
running_pid() { # prints pid and returns 0 if our broker runs
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # guard against PID reuse: must be a java running kafka.Kafka with our config
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $PROPS" || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# Readiness probe: a tiny AdminClient program (DescribeCluster + Metadata/ListTopics),
# compiled once into the cache. kafka-tools (TopicCommand) is not published for every
# version (missing for 4.4.0), so we do not depend on it.
build_probe() {
  local src="$CACHE/probe/KafkaLocalProbe.java"
  [[ -f "$CACHE/probe/KafkaLocalProbe.class" && -f "$CACHE/probe/v3" ]] && return 0
  local javac
  javac="$(dirname "$(command -v "$JAVA")")/javac"
  [[ -x "$javac" ]] || javac="$(command -v javac || true)"
  if [[ -z "$javac" || ! -x "$javac" ]]; then
    log "WARN: no javac found; readiness falls back to the 'Kafka Server started' log line"
    return 0
  fi
  mkdir -p "$CACHE/probe"
  cat >"$src" <<'JAVA'
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTransactionsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** args: bootstrap [warm]. Exit 0 = broker answers; "warm" also readies the group and
 *  transaction coordinators (creates/loads __consumer_offsets, __transaction_state) and
 *  the producer-id block, so the first client of a test does not see
 *  COORDINATOR_NOT_AVAILABLE / COORDINATOR_LOAD_IN_PROGRESS. */
public class KafkaLocalProbe {
  static final String ID = "__ledgerline_probe";

  public static void main(String[] args) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
    p.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, "2000");
    p.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, "2000");
    boolean warm = args.length > 1 && args[1].equals("warm");
    try (Admin admin = Admin.create(p)) {
      int nodes = admin.describeCluster().nodes().get(6, TimeUnit.SECONDS).size();
      admin.listTopics().names().get(6, TimeUnit.SECONDS);
      if (nodes < 1) { System.exit(2); }
      if (warm) {
        admin.listConsumerGroupOffsets(ID, new ListConsumerGroupOffsetsOptions().timeoutMs(20000))
            .partitionsToOffsetAndMetadata().get(25, TimeUnit.SECONDS);
        try {
          admin.describeTransactions(List.of(ID), new DescribeTransactionsOptions().timeoutMs(20000))
              .all().get(25, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TransactionalIdNotFoundException)) throw e;
        }
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, ID);
        pp.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        pp.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "10000");
        try (KafkaProducer<byte[], byte[]> prod =
                 new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
          prod.initTransactions();
        }
      }
    } catch (Exception e) {
      System.err.println("probe" + (warm ? " (warm)" : "") + ": " + e);
      System.exit(1);
    }
  }
}
JAVA
  "$javac" --release 17 -nowarn -d "$CACHE/probe" -cp "$LIBS/*" "$src" >"$CACHE/probe/javac.log" 2>&1 \
    || { cat "$CACHE/probe/javac.log" >&2; die "compiling the readiness probe failed"; }
  touch "$CACHE/probe/v3"
}

probe() { # [warm] -- a real Kafka request against the broker
  if [[ -f "$CACHE/probe/KafkaLocalProbe.class" ]]; then
    # shellcheck disable=SC2086
    timeout 60 "$JAVA" -Xmx64m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC $JAVA_COMPAT \
      -Dlog4j2.configurationFile="$DIR/tools-log4j2.properties" \
      -cp "$CACHE/probe:$LIBS/*" KafkaLocalProbe "$BOOTSTRAP" "$@" >/dev/null 2>>"$LOGDIR/probe.log"
  elif [[ "${1:-}" == warm ]]; then
    return 0
  else
    grep -q 'Kafka Server started' "$LOGDIR/server.log" 2>/dev/null
  fi
}

log_tail() {
  log "---- tail of $LOGDIR/server.log ----"
  tail -n 40 "$LOGDIR/server.log" >&2 2>/dev/null || true
  if [[ -s "$LOGDIR/probe.log" ]]; then
    log "---- last readiness probe errors ($LOGDIR/probe.log) ----"
    tail -n 3 "$LOGDIR/probe.log" >&2 || true
  fi
  if [[ -s "$DIR/broker.out" ]]; then
    log "---- tail of $DIR/broker.out ----"
    tail -n 20 "$DIR/broker.out" >&2 || true
  fi
}

lock() { # serialise concurrent start/stop calls (e.g. parallel test workers)
  mkdir -p "$DIR"
  exec 9>"$DIR/.lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w 120 9 || die "could not lock $DIR/.lock within 120s"
  fi
}

cmd_start() {
  lock
  if running_pid >/dev/null; then
    echo "bootstrap=$BOOTSTRAP"
    return 0
  fi
  rm -f "$PIDFILE"
  local major
  major=$(java_major) || true
  [[ "${major:-0}" =~ ^[0-9]+$ && "$major" -ge 17 ]] \
    || die "Kafka $VERSION broker needs Java >= 17 (got '${major:-none}' from $JAVA); set KAFKA_LOCAL_JAVA or JAVA_HOME"
  # JDK 24+ warns on stderr about sun.misc.Unsafe (kafka-clients ByteBufferUnmapper)
  ((major >= 23)) && JAVA_COMPAT="--sun-misc-unsafe-memory-access=allow"
  if port_open "$PORT"; then die "port $HOST:$PORT is already in use by another process"; fi
  if port_open "$CPORT"; then die "controller port $HOST:$CPORT is already in use by another process"; fi

  fetch_jars
  build_probe
  write_config
  format_storage

  : >"$DIR/broker.out"
  : >"$LOGDIR/probe.log"
  # shellcheck disable=SC2086
  nohup "$JAVA" -server $HEAP $JAVA_COMPAT \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExplicitGCInvokesConcurrent \
    -Djava.awt.headless=true \
    -Dkafka.logs.dir="$LOGDIR" \
    -Dlog4j2.configurationFile="$LOG4J" \
    -cp "$LIBS/*" kafka.Kafka "$PROPS" >>"$DIR/broker.out" 2>&1 </dev/null 9>&- &
  local pid=$!
  echo "$pid" >"$PIDFILE"

  local deadline=$((SECONDS + START_TIMEOUT))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PIDFILE"
      log_tail
      die "broker process $pid exited during startup"
    fi
    if port_open "$PORT" && probe; then break; fi
    if ((SECONDS >= deadline)); then
      log_tail
      log "broker not ready after ${START_TIMEOUT}s; stopping it"
      cmd_stop nolock >/dev/null 2>&1 || true
      exit 1
    fi
    sleep 0.5
  done
  probe warm || log "WARN: coordinator warm-up failed (broker is up; see $LOGDIR/probe.log)"
  echo "bootstrap=$BOOTSTRAP"
}

cmd_stop() {
  local pid
  [[ "${1:-}" == nolock ]] || lock
  if ! pid=$(running_pid); then
    rm -f "$PIDFILE"
    echo "not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for ((i = 0; i < 300; i++)); do # up to 30 s for controlled shutdown
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "broker $pid did not stop within 30s; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$PIDFILE"
  echo "stopped (pid $pid)"
}

cmd_status() {
  local pid
  if pid=$(running_pid); then
    echo "running pid=$pid bootstrap=$BOOTSTRAP"
  else
    echo "not running"
    return 3
  fi
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
