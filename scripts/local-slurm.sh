#!/usr/bin/env bash
# A one-node Slurm cluster in a directory of its own, for `s3m emulator --backend slurm` and its tests.
#
#   scripts/local-slurm.sh start|stop|status|env [DIR]      (DIR: $S3M_SLURM_DIR or .slurm-local)
#
# It installs nothing: it checks that Debian's slurm-wlm and munge are there and says how to get them.
# `start` writes slurm.conf and a munge key into DIR, starts munged, slurmctld and slurmd as the current
# (root) user, all on 127.0.0.1, and waits until the node is idle. `stop` stops exactly the daemons
# whose pid files are in DIR. `env` prints the SLURM_CONF line to eval before using the Slurm commands.
set -euo pipefail

cmd=${1:-status}
dir=$(realpath -m "${2:-${S3M_SLURM_DIR:-.slurm-local}}")
conf=$dir/slurm.conf
daemons=(munged slurmctld slurmd)

need() {
    local missing=()
    for tool in munged slurmctld slurmd sbatch squeue sinfo scontrol scancel; do
        command -v "$tool" >/dev/null || missing+=("$tool")
    done
    if ((${#missing[@]})); then
        echo "local-slurm: missing ${missing[*]}; install them with: apt-get install slurm-wlm munge" >&2
        exit 3
    fi
    if [[ $(id -u) != 0 ]]; then
        echo "local-slurm: run as root (slurmd starts jobs as their users)" >&2
        exit 3
    fi
}

pid_of() { # the pid in DIR/NAME.pid if that process is alive
    local file=$dir/$1.pid
    [[ -s $file ]] && kill -0 "$(cat "$file")" 2>/dev/null && cat "$file"
}

write_config() {
    local host cpus mem
    host=$(hostname -s)
    cpus=$(nproc)
    mem=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 8 / 10))
    mkdir -p "$dir"/{state,spool,log,munge,jobs}
    chmod 700 "$dir/munge"
    if [[ ! -s $dir/munge/munge.key ]]; then
        head -c 1024 /dev/urandom >"$dir/munge/munge.key"
        chmod 400 "$dir/munge/munge.key"
    fi
    cat >"$conf" <<EOF
# Written by scripts/local-slurm.sh: one node, everything on 127.0.0.1, state under $dir.
ClusterName=s3mlocal
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=${S3M_SLURMCTLD_PORT:-6817}
SlurmdPort=${S3M_SLURMD_PORT:-6818}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
MinJobAge=300
KillWait=5
OverTimeLimit=0
EnforcePartLimits=ALL
DefMemPerCPU=256
InactiveLimit=0
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
# batch-cpu mirrors the partition OLCF's examples submit to; it is DOWN, so their job waits (and
# can be cancelled), like the emulator's drained batch-cpu. Jobs start at 12345, the docs' job id.
PartitionName=batch-cpu Nodes=$host MaxTime=INFINITE State=DOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=10 DefaultTime=5 State=UP
FirstJobId=12345
EOF
}

start() {
    need
    if [[ -n $(pid_of slurmctld || true) ]]; then
        echo "local-slurm: already running in $dir"
        return
    fi
    write_config
    munged --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
        --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed" \
        --force
    export SLURM_CONF=$conf
    slurmctld -f "$conf" -i
    slurmd -f "$conf"
    for _ in $(seq 1 60); do
        if sinfo -h -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then
            # A maintenance window tomorrow, so that reservations are not an empty list.
            scontrol create reservation ReservationName=maintenance StartTime=now+1day Duration=60 \
                Nodes=ALL Users=root Flags=MAINT >/dev/null
            echo "local-slurm: running in $dir (export SLURM_CONF=$conf)"
            return
        fi
        sleep 0.5
    done
    echo "local-slurm: the node did not become idle; see $dir/log" >&2
    exit 1
}

stop() {
    local pid
    for name in slurmd slurmctld munged; do
        pid=$(pid_of "$name" || true)
        if [[ -n $pid ]]; then
            kill "$pid"
            for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
            kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
            echo "local-slurm: stopped $name ($pid)"
        fi
        rm -f "$dir/$name.pid"
    done
}

status() {
    local up=0
    for name in "${daemons[@]}"; do
        pid=$(pid_of "$name" || true)
        if [[ -n $pid ]]; then
            echo "$name: running ($pid)"
            up=$((up + 1))
        else
            echo "$name: stopped"
        fi
    done
    ((up == ${#daemons[@]}))
}

case $cmd in
start) start ;;
stop) stop ;;
status) status ;;
env) echo "export SLURM_CONF=$conf" ;;
*)
    echo "usage: $0 start|stop|status|env [DIR]" >&2
    exit 2
    ;;
esac
