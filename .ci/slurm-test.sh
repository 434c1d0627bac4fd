#!/usr/bin/env bash
# CI: a real Slurm job array. Starts a one-node Slurm cluster (munged, slurmctld, slurmd, all
# in a private temporary folder), submits docs/cluster/shards.sbatch as a 4-task array and
# docs/cluster/merge.sbatch as a job that waits for it (--dependency=afterok), runs the same
# replications on one machine, and checks that the merged results are byte for byte the single
# run's. Installs Debian's slurmctld, slurmd, slurm-client, munge and jq if they are missing
# (needs root). Stops every daemon it started and removes its folder on exit, also on failure.
#
#   bash .ci/slurm-test.sh BINARY      (e.g. ./target/release/steelsim)
set -euo pipefail

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
    echo "usage: $0 BINARY (an executable steelsim)" >&2
    exit 2
fi
binary=$(realpath "$1")
repo=$(realpath "$(dirname "$0")/..")
tasks=4                   # the job array's tasks
replications=200
seed=7
timeout_s=600             # the longest wait for the jobs
daemon_wait_s=60          # the longest wait for the node to come up

say() { echo "slurm-test: $*"; }
fail() {
    echo "slurm-test: FAILED: $*" >&2
    exit 1
}

# ---------------------------------------------------------------------------------------------
# Slurm and munge (and jq, to read run.json), from Debian's packages, if they are not there.
packages=(slurmctld slurmd slurm-client munge jq)
policy_made=""
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
    || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null \
    || ! command -v jq >/dev/null; then
    say "installing ${packages[*]} (apt-get)"
    # No package may start its daemon: ours run from the private folder below.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        policy_made=yes
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt_log=$(mktemp)
    apt_install() { apt-get install -y -q --no-install-recommends "${packages[@]}" >>"$apt_log" 2>&1; }
    if ! apt_install; then
        apt-get update -q >>"$apt_log" 2>&1 && apt_install || {
            tail -n 30 "$apt_log" >&2
            rm -f "$apt_log"
            [ -z "$policy_made" ] || rm -f /usr/sbin/policy-rc.d
            fail "apt-get could not install ${packages[*]}"
        }
    fi
    rm -f "$apt_log"
    [ -z "$policy_made" ] || rm -f /usr/sbin/policy-rc.d
fi
say "$(slurmctld -V), $(munged -V 2>&1 | head -n 1)"

# ---------------------------------------------------------------------------------------------
# A one-node cluster in a private folder. munged wants the folders above its socket to be
# searchable by all, and its key readable by its user only.
tmp=$(mktemp -d /tmp/steelsim-slurm-test.XXXXXX)
chmod 755 "$tmp"
mkdir -p "$tmp"/{munge,run,log,state,spool,work}
chmod 700 "$tmp/munge"
export SLURM_CONF=$tmp/slurm.conf
pids=()                   # the daemons, started in the background, stopped in this order
job_ids=()

stop() {
    local rc=$?
    set +e
    # Jobs still queued or running (after a failure) are cancelled before slurmd stops.
    local queued=""
    [ ${#job_ids[@]} -eq 0 ] || queued=$(squeue -h -j "$(IFS=,; echo "${job_ids[*]}")" 2>/dev/null)
    if [ -n "$queued" ]; then
        scancel "${job_ids[@]}" 2>/dev/null
        for _ in $(seq 20); do
            [ -z "$(squeue -h -j "$(IFS=,; echo "${job_ids[*]}")" 2>/dev/null)" ] && break
            sleep 0.5
        done
    fi
    local i pid
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        pid=${pids[i]}
        kill -TERM "$pid" 2>/dev/null || continue
        for _ in $(seq 40); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.25
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    # A job's slurmstepd is a child of init once slurmd has started it; give init a moment to
    # reap the last ones (some container inits reap only now and then).
    for _ in $(seq 20); do
        pgrep -x slurmstepd >/dev/null || break
        sleep 0.25
    done
    rm -rf "$tmp"
    exit "$rc"
}
trap stop EXIT
trap 'exit 130' INT TERM

logs() {
    local f
    # slurmd writes to its log file once it has read slurm.conf; before, to stderr.
    [ -s "$tmp/log/slurmd.log" ] || cp "$tmp/run/slurmd.stderr" "$tmp/log/slurmd.log" 2>/dev/null || true
    for f in "$tmp"/log/* "$tmp"/work/slurm-*.out; do
        [ -f "$f" ] || continue
        echo "----- $f (last 40 lines)" >&2
        tail -n 40 "$f" >&2
    done
}

node=$(hostname -s)
cpus=$(nproc)
cat >"$SLURM_CONF" <<EOF
ClusterName=steelsim-ci
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/run/munge.socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/run/slurmctld.pid
SlurmdPidFile=$tmp/run/slurmd.pid
SlurmdLogFile=$tmp/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
DependencyParameters=kill_invalid_depend
ReturnToService=2
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=100 State=UNKNOWN
PartitionName=ci Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

say "starting munged, slurmctld, slurmd (node $node, $cpus CPUs) in $tmp"
mungekey --create --keyfile="$tmp/munge/munge.key"
chmod 600 "$tmp/munge/munge.key"
munged --foreground --force --key-file="$tmp/munge/munge.key" --socket="$tmp/run/munge.socket" \
    --pid-file="$tmp/run/munged.pid" --seed-file="$tmp/munge/munged.seed" 2>"$tmp/log/munged.log" &
pids+=($!)
for _ in $(seq 40); do
    [ -S "$tmp/run/munge.socket" ] && break
    sleep 0.25
done
[ -S "$tmp/run/munge.socket" ] || { logs; fail "munged did not start"; }
slurmctld -D -i >"$tmp/log/slurmctld.log" 2>&1 &
pids+=($!)
slurmd -D -N "$node" >"$tmp/run/slurmd.stderr" 2>&1 &
pids+=($!)

started=$SECONDS
deadline=$((SECONDS + daemon_wait_s))
until [ "$(sinfo -h -N -n "$node" -o %t 2>/dev/null)" = idle ]; do
    if [ $SECONDS -ge $deadline ]; then
        sinfo -N -l >&2 || true
        logs
        fail "node $node not idle after ${daemon_wait_s} s"
    fi
    for pid in "${pids[@]}"; do
        kill -0 "$pid" 2>/dev/null || { logs; fail "a daemon stopped (pid $pid)"; }
    done
    sleep 0.5
done
say "node $node is idle after $((SECONDS - started)) s"

# ---------------------------------------------------------------------------------------------
# The job array and the merge job, with the scripts docs/cluster.md shows.
work=$tmp/work
cp -R "$repo/scenarios" "$work/scenarios"
export STEELSIM=$binary STEELSIM_SCENARIO=scenarios/baseline.toml \
    STEELSIM_REPLICATIONS=$replications STEELSIM_SEED=$seed STEELSIM_SHARD_DIR=shards \
    STEELSIM_OUT=merged
shards_job=$(sbatch --parsable --chdir="$work" --array=0-$((tasks - 1)) --cpus-per-task=1 \
    --export=ALL "$repo/docs/cluster/shards.sbatch")
job_ids+=("$shards_job")
merge_job=$(sbatch --parsable --chdir="$work" --dependency=afterok:"$shards_job" \
    --export=ALL "$repo/docs/cluster/merge.sbatch")
job_ids+=("$merge_job")
say "submitted job array $shards_job (tasks 0-$((tasks - 1))) and merge job $merge_job (afterok:$shards_job)"

start=$SECONDS
deadline=$((SECONDS + timeout_s))
while [ -n "$(squeue -h -j "$shards_job,$merge_job" 2>/dev/null)" ]; do
    if [ $SECONDS -ge $deadline ]; then
        squeue >&2 || true
        logs
        fail "the jobs did not finish within ${timeout_s} s"
    fi
    sleep 0.5
done

# Every task and the merge job must have completed with exit code 0 (there is no accounting
# database, so no sacct: the controller keeps finished jobs for MinJobAge, 300 s).
ok=0
lines=()
while read -r line; do
    [[ $line =~ (^|\ )JobId=([0-9]+) ]] || continue
    id=${BASH_REMATCH[2]}
    if [[ $line =~ \ ArrayTaskId=([0-9]+) ]]; then id=${shards_job}_${BASH_REMATCH[1]}; fi
    name=?; state=?; code=?
    if [[ $line =~ \ JobName=([^ ]*) ]]; then name=${BASH_REMATCH[1]}; fi
    if [[ $line =~ \ JobState=([A-Z_]*) ]]; then state=${BASH_REMATCH[1]}; fi
    if [[ $line =~ \ ExitCode=([0-9:]*) ]]; then code=${BASH_REMATCH[1]}; fi
    lines+=("  job $id ($name): $state, exit code $code")
    if [ "$state:$code" = COMPLETED:0:0 ]; then ok=$((ok + 1)); fi
done < <(scontrol -o show job "$shards_job" 2>&1; scontrol -o show job "$merge_job" 2>&1)
printf 'slurm-test: %s\n' "${lines[@]}" | sort -V
if [ "$ok" -ne $((tasks + 1)) ]; then
    logs
    fail "$ok of $((tasks + 1)) jobs (the array's tasks and the merge) completed with exit code 0"
fi
say "$tasks array tasks and the merge job completed in $((SECONDS - start)) s"

# ---------------------------------------------------------------------------------------------
# The same run on one machine, from the same folder and scenario path (the report's "Reproduce"
# command names it), and the comparison.
(cd "$work" && "$binary" run scenarios/baseline.toml -n "$replications" --seed "$seed" \
    --out single --quiet)
[ -d "$work/merged" ] || { logs; fail "the merge job wrote no merged/ folder"; }
(cd "$work/merged" && find . -type f | sort) >"$tmp/merged.files"
(cd "$work/single" && find . -type f | sort) >"$tmp/single.files"
diff "$tmp/single.files" "$tmp/merged.files" >&2 \
    || fail "merged/ and single/ hold different files (< single, > merged)"
for f in summary.json replications.csv timeseries.csv shipments.csv report.html; do
    grep -qx "./$f" "$tmp/single.files" || fail "single/ has no $f"
done
compared=()
while read -r f; do
    f=${f#./}
    # run.json records how long this run took: compared below without its timings.
    [ "$f" = run.json ] && continue
    cmp "$work/single/$f" "$work/merged/$f" >&2 || fail "merged/$f differs from single/$f"
    compared+=("$f")
done <"$tmp/single.files"
say "byte-identical in merged/ (Slurm array + merge) and single/ (one run): ${compared[*]}"
cmp <(jq -S 'del(.performance)' "$work/single/run.json") \
    <(jq -S 'del(.performance)' "$work/merged/run.json") >&2 \
    || fail "merged/run.json differs from single/run.json (timings aside)"
say "run.json the same but for the single run's timings (performance)"
say "passed in $SECONDS s"
