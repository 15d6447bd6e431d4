#!/usr/bin/env bash
# The node side of cluster.sh, run by it inside `unshare -m --propagation private`: containerd and
# kubelet in one private mount namespace. They must share one (kubelet's volume mounts must be seen
# by containerd, and the host's / does not propagate mounts), and the namespace hides the host paths
# they hard-code (each overmounted by a directory under DIR) and fakes the four kernel tunables
# kubelet's protectKernelDefaults checks, so the host's sysctls are never written.
#
#   node.sh DIR KUBELET NODE_NAME NODE_IP
set -euo pipefail
DIR=$1 KUBELET=$2 NODE=$3 IP=$4
cd "$DIR"
mkdir -p run/fakesys run/kubelet run/ns
echo 1 >run/fakesys/overcommit_memory
echo 0 >run/fakesys/panic_on_oom
echo 10 >run/fakesys/panic
echo 1 >run/fakesys/panic_on_oops
for f in vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops; do
  mount --bind "run/fakesys/${f#*/}" "/proc/sys/$f"
done
for d in /var/lib/kubelet /var/log/pods /var/log/containers /run/netns /var/lib/cni /run/containerd; do
  mkdir -p "$d" "run/ns$d"
  mount --bind "run/ns$d" "$d"
done
containerd --config "$DIR/containerd.toml" >>logs/containerd.log 2>&1 &
echo $! >run/containerd.pid
for _ in $(seq 60); do
  [ -S run/containerd/containerd.sock ] && break
  sleep 0.5
done
"$KUBELET" --config="$DIR/kubelet.yaml" --kubeconfig="$DIR/kubelet.kubeconfig" --root-dir="$DIR/run/kubelet" \
  --hostname-override="$NODE" --node-ip="$IP" --cert-dir="$DIR/run/kubelet/pki" >>logs/kubelet.log 2>&1 &
echo $! >run/kubelet.pid
wait
