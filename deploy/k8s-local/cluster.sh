#!/usr/bin/env bash
# A real single-node Kubernetes (v1.33.13) on this machine, for the chart's real test: etcd,
# kube-apiserver, kube-controller-manager, kube-scheduler, containerd + kubelet (in a private mount
# namespace), kube-proxy (iptables) and CoreDNS, from the binaries build.sh cached, with a
# self-signed PKI. Root only (kubelet, CNI and iptables need it). Facts and walls behind every
# setting below: docs/helm.md.
#
#   cluster.sh up DIR        start a cluster with its state in DIR, wait until the node is Ready and
#                            DNS answers; print KUBECONFIG=…, K8S_CTR=…, K8S_NODE_IP=… on stdout
#   cluster.sh import DIR TAR  import an image (docker save) into the cluster's containerd
#   cluster.sh down DIR      stop it and remove everything it made: processes (by their pidfiles),
#                            pod sandboxes, the KUBE-*/CNI-* iptables chains, the bridge, the
#                            kubepods cgroups, the mount points; DIR's state is removed
#
# Ports are not Kubernetes' defaults (6443, 2379, 10250, …) and keep off the test infrastructure's
# (54329, 19092, 19000, 19025); one cluster per machine (the bridge, the pod subnet and the kubepods
# cgroups are machine-wide): an `up` waits while a cluster from another DIR runs.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HUEDB_COMPONENT=k8s-local
# shellcheck source=../local/lib.sh
. "$here/../local/lib.sh"

NODE=huedb-k8s
API_PORT=16443
ETCD_PORT=12379
ETCD_PEER_PORT=12380
KUBELET_PORT=20250
KUBELET_HEALTHZ_PORT=20248
PROXY_METRICS_PORT=20249
PROXY_HEALTHZ_PORT=20256
KCM_PORT=20257
SCHEDULER_PORT=20259
POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.96.0.0/16
API_SERVICE_IP=10.96.0.1
DNS_IP=10.96.0.10
BRIDGE=huedbk8s0
# The host paths kubelet and containerd hard-code; in the node's mount namespace each is a
# directory under DIR, so nothing is written to the host's.
NODE_PATHS=(/var/lib/kubelet /var/log/pods /var/log/containers /run/netns /var/lib/cni /run/containerd)

usage() {
  echo "usage: $0 up DIR | import DIR TAR | down DIR" >&2
  exit 2
}

set_dir() {
  [ -n "${1:-}" ] || usage
  DIR=$(abs_dir "$1")
  # Unix socket paths are limited to 107 bytes (containerd's shims live under the state dir).
  [ "${#DIR}" -le 50 ] || die "cluster directory $DIR is too long for containerd's sockets (50 characters at most)"
  export KUBECONFIG=$DIR/admin.kubeconfig
  OWNER=$(huedb_cache_dir)/k8s-local.owner
}

paths() {
  eval "$("$here/build.sh" status)" || die "Kubernetes is not built: run deploy/k8s-local/build.sh"
  KUBECTL=$K8S_BIN/kubectl
  CTR_SOCK=$DIR/run/containerd/containerd.sock
}

node_ip() {
  # The VM's own interface address (not loopback, not a container bridge): the API server
  # advertises it and the kubelet registers it; traffic never leaves the machine.
  ip -4 -o addr show scope global | awk '{print $2, $4}' |
    grep -Ev '^(docker|huedb|br-|veth|cni|'"$BRIDGE"')' | head -n 1 | awk '{print $2}' | cut -d/ -f1
}

ctr_cmd() { ctr -a "$CTR_SOCK" -n k8s.io "$@"; }

pki() {
  local p=$DIR/pki ip=$1
  mkdir -p "$p"
  openssl genrsa -out "$p/ca.key" 2048 2>/dev/null
  openssl req -x509 -new -key "$p/ca.key" -subj "/CN=huedb-k8s-local-ca" -days 3650 -out "$p/ca.crt" 2>/dev/null
  openssl genrsa -out "$p/sa.key" 2048 2>/dev/null
  openssl rsa -in "$p/sa.key" -pubout -out "$p/sa.pub" 2>/dev/null
  cert() { # name CN O SANs usage
    local n=$1 cn=$2 o=$3 san=$4 eku=$5 subj
    subj="/CN=$cn"
    [ -z "$o" ] || subj="/O=$o/CN=$cn"
    openssl genrsa -out "$p/$n.key" 2048 2>/dev/null
    openssl req -new -key "$p/$n.key" -subj "$subj" -out "$p/$n.csr" 2>/dev/null
    {
      echo "basicConstraints=CA:FALSE"
      echo "keyUsage=critical,digitalSignature,keyEncipherment"
      echo "extendedKeyUsage=$eku"
      [ -z "$san" ] || echo "subjectAltName=$san"
    } >"$p/$n.ext"
    openssl x509 -req -in "$p/$n.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 3650 \
      -extfile "$p/$n.ext" -out "$p/$n.crt" 2>/dev/null
    rm -f "$p/$n.csr" "$p/$n.ext"
  }
  cert apiserver kube-apiserver "" "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,DNS:$NODE,IP:127.0.0.1,IP:$API_SERVICE_IP,IP:$ip" serverAuth
  cert admin admin system:masters "" clientAuth
  cert controller-manager system:kube-controller-manager "" "" clientAuth
  cert scheduler system:kube-scheduler "" "" clientAuth
  cert kube-proxy system:kube-proxy "" "" clientAuth
  cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters "" clientAuth
  cert kubelet "system:node:$NODE" system:nodes "DNS:$NODE,DNS:localhost,IP:127.0.0.1,IP:$ip" "clientAuth,serverAuth"
  local u
  for u in admin controller-manager scheduler kube-proxy kubelet; do
    cat >"$DIR/$u.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: huedb-k8s-local
  cluster: {server: "https://127.0.0.1:$API_PORT", certificate-authority: $p/ca.crt}
users:
- name: $u
  user: {client-certificate: $p/$u.crt, client-key: $p/$u.key}
contexts:
- name: huedb-k8s-local
  context: {cluster: huedb-k8s-local, user: $u}
current-context: huedb-k8s-local
EOF
  done
}

write_configs() {
  local ip=$1
  # The CRI plugin: nothing is ever pulled (the pause image and every other image are imported);
  # restrict_oom_score_adj because root here lacks CAP_SYS_RESOURCE, so runc could not give the
  # pause container its -998 and every pod would fail ("can't get final child's PID from pipe").
  cat >"$DIR/containerd.toml" <<EOF
version = 2
root = "$DIR/run/containerd/root"
state = "$DIR/run/containerd/state"
[grpc]
  address = "$CTR_SOCK"
[ttrpc]
  address = "$CTR_SOCK.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$DIR/run/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$K8S_DEBS/usr/lib/cni"
    conf_dir = "$DIR/cni"
EOF
  # bridge + host-local on a private subnet without masquerade (pods talk only to this machine);
  # the firewall plugin adds explicit ACCEPTs, since a Docker engine may have set FORWARD to DROP.
  mkdir -p "$DIR/cni"
  cat >"$DIR/cni/10-huedb.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "huedb-k8s-local", "plugins": [
  {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$DIR/run/cni-ipam"}},
  {"type": "firewall", "backend": "iptables"},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
EOF
  # cgroup v1 here (failCgroupV1: false), no swap check, no host sysctl writes
  # (protectKernelDefaults: the values it checks are faked in the node namespace, node.sh), no
  # KUBE-FIREWALL chains of its own, no image garbage collection of the imported images.
  cat >"$DIR/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $ip
port: $KUBELET_PORT
healthzPort: $KUBELET_HEALTHZ_PORT
healthzBindAddress: 127.0.0.1
authentication: {anonymous: {enabled: false}, webhook: {enabled: true}, x509: {clientCAFile: $DIR/pki/ca.crt}}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$CTR_SOCK
clusterDomain: cluster.local
clusterDNS: [$DNS_IP]
tlsCertFile: $DIR/pki/kubelet.crt
tlsPrivateKeyFile: $DIR/pki/kubelet.key
failSwapOn: false
failCgroupV1: false
makeIPTablesUtilChains: false
protectKernelDefaults: true
readOnlyPort: 0
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
EOF
  # Conntrack sysctls left alone (maxPerCore 0, timeouts 0s); no route_localnet (localhostNodePorts).
  cat >"$DIR/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $DIR/kube-proxy.kubeconfig}
mode: iptables
clusterCIDR: $POD_CIDR
hostnameOverride: $NODE
bindAddress: $ip
metricsBindAddress: 127.0.0.1:$PROXY_METRICS_PORT
healthzBindAddress: 127.0.0.1:$PROXY_HEALTHZ_PORT
oomScoreAdj: 0
iptables: {localhostNodePorts: false}
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
}

# bg NAME CMD...: start a daemon with its log and pidfile in DIR.
bg() {
  local name=$1
  shift
  mark_log "$DIR/logs/$name.log"
  setsid "$@" >>"$DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$DIR/run/$name.pid"
}

pid_of() { read_pidfile "$DIR/run/$1.pid" 2>/dev/null; }

alive() {
  local pid
  pid=$(pid_of "$1") && kill -0 "$pid" 2>/dev/null
}

wait_other_cluster() {
  local other deadline=$(($(date +%s) + 3600))
  while other=$(cat "$OWNER" 2>/dev/null) && [ -n "$other" ] && [ "$other" != "$DIR" ]; do
    if ! DIR=$other alive etcd && ! DIR=$other alive node; then
      log "cleaning up after a cluster from $other that is gone"
      "$0" down "$other" >&2 || true
      break
    fi
    [ "$(date +%s)" -lt "$deadline" ] || die "a cluster from $other has been running for an hour; stop it with $0 down $other"
    log "waiting for the cluster from $other to stop (one per machine)"
    sleep 10
  done
}

cmd_up() {
  [ "$(id -u)" -eq 0 ] || die "the local Kubernetes needs root (kubelet, CNI, iptables)"
  paths
  local c
  for c in containerd runc iptables ip openssl unshare ctr; do
    require_cmd "$c" "Debian: apt-get install -y containerd runc iptables iproute2 openssl util-linux"
  done
  exec 9>"$(huedb_cache_dir)/.k8s-local.lock"
  flock -w 3700 9 || die "could not lock $(huedb_cache_dir)/.k8s-local.lock"
  wait_other_cluster
  # A previous run of this DIR that died without `down`: clean it first.
  if [ -d "$DIR/run" ]; then cmd_down >&2; fi
  printf '%s\n' "$DIR" >"$OWNER"
  exec 9>&-
  local ip start
  ip=$(node_ip)
  [ -n "$ip" ] || die "no interface address for the node (ip -4 addr)"
  start=$(now_us)
  mkdir -p "$DIR/run" "$DIR/logs"
  pki "$ip"
  write_configs "$ip"
  local p=$DIR/pki
  bg etcd "$K8S_DEBS/usr/bin/etcd" --name huedb --data-dir "$DIR/run/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "huedb=http://127.0.0.1:$ETCD_PEER_PORT"
  bg kube-apiserver "$K8S_BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address="$ip" --secure-port="$API_PORT" --advertise-address="$ip" \
    --tls-cert-file="$p/apiserver.crt" --tls-private-key-file="$p/apiserver.key" --client-ca-file="$p/ca.crt" \
    --service-account-key-file="$p/sa.pub" --service-account-signing-key-file="$p/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local --service-cluster-ip-range="$SERVICE_CIDR" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --kubelet-client-certificate="$p/apiserver-kubelet-client.crt" --kubelet-client-key="$p/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP,Hostname --profiling=false
  # The kubeconfigs name 127.0.0.1; the API server binds the node address only (no 0.0.0.0), so
  # point them at that address.
  sed -i "s|https://127.0.0.1:$API_PORT|https://$ip:$API_PORT|" "$DIR"/*.kubeconfig
  wait_until --pid "$(pid_of kube-apiserver)" 120 "the API server" "$KUBECTL" get --raw /readyz ||
    die "the API server did not start" "$DIR/logs/kube-apiserver.log"
  log "API server ready +$(elapsed_since "$start")s"
  bg kube-controller-manager "$K8S_BIN/kube-controller-manager" --kubeconfig="$DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$DIR/controller-manager.kubeconfig" --authorization-kubeconfig="$DIR/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --leader-elect=false \
    --service-account-private-key-file="$p/sa.key" --root-ca-file="$p/ca.crt" \
    --cluster-signing-cert-file="$p/ca.crt" --cluster-signing-key-file="$p/ca.key" --use-service-account-credentials=true \
    --service-cluster-ip-range="$SERVICE_CIDR" --profiling=false
  bg kube-scheduler "$K8S_BIN/kube-scheduler" --kubeconfig="$DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig="$DIR/scheduler.kubeconfig" --authorization-kubeconfig="$DIR/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" --leader-elect=false --profiling=false
  bg node unshare -m --propagation private "$here/node.sh" "$DIR" "$K8S_BIN/kubelet" "$NODE" "$ip"
  bg kube-proxy "$K8S_BIN/kube-proxy" --config="$DIR/kube-proxy.yaml"
  wait_until --pid "$(pid_of node)" 60 "containerd" ctr_cmd version ||
    die "containerd did not start" "$DIR/logs/containerd.log"
  import_base_images
  wait_until --pid "$(pid_of node)" 180 "the node to be Ready" \
    "$KUBECTL" wait --for=condition=Ready "node/$NODE" --timeout=5s ||
    die "the node did not become Ready" "$DIR/logs/kubelet.log"
  log "node Ready +$(elapsed_since "$start")s"
  wait_until 60 "the default ServiceAccount" "$KUBECTL" get serviceaccount default
  coredns_manifest | "$KUBECTL" apply -f - >&2
  wait_until 180 "CoreDNS" "$KUBECTL" -n kube-system rollout status deploy/coredns --timeout=5s ||
    die "CoreDNS did not start" "$DIR/logs/kubelet.log"
  log "cluster up with DNS +$(elapsed_since "$start")s"
  printf 'KUBECONFIG=%s\nK8S_KUBECTL=%s\nK8S_NODE_IP=%s\nK8S_DIR=%s\n' "$KUBECONFIG" "$KUBECTL" "$ip" "$DIR"
}

# The pause image (containerd's sandbox_image: nothing can be pulled) and CoreDNS's, built by
# images.sh in the private Docker engine and saved as archives.
import_base_images() {
  local lines tar
  lines=$("$here/images.sh" base) || die "could not build the pause and CoreDNS images"
  for tar in $(printf '%s\n' "$lines" | sed -n 's/^K8S_IMAGE_TAR=//p'); do
    ctr_cmd images import "$tar" >&2 || die "could not import $tar"
  done
}

coredns_manifest() {
  sed "s|@DNS_IP@|$DNS_IP|" "$here/coredns.yaml"
}

cmd_import() {
  paths
  [ -r "${1:-}" ] || die "no image archive ${1:-}"
  ctr_cmd images import "$1" >&2
}

# stop NAME: SIGTERM by pidfile, SIGKILL after 30 s.
stop() {
  local pid i
  pid=$(pid_of "$1") || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for i in $(seq 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$DIR/run/$1.pid"
}

cmd_down() {
  paths
  [ -d "$DIR/run" ] || return 0
  local start
  start=$(now_us)
  # Pods first, while the kubelet still runs: their containers stop by their grace periods and the
  # CNI plugins release their addresses and firewall rules.
  if alive kube-apiserver && "$KUBECTL" get --raw /readyz >/dev/null 2>&1; then
    "$KUBECTL" delete deploy,sts,ds,job,rs --all -A --wait=false >/dev/null 2>&1 || true
    "$KUBECTL" delete pods --all -A --grace-period=2 --timeout=90s >/dev/null 2>&1 || true
  fi
  stop kube-proxy
  "$K8S_BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true
  if alive node; then
    # Sandboxes that survived: remove them through the CRI, so CNI DEL runs.
    local t
    for t in $(ctr_cmd tasks ls -q 2>/dev/null); do ctr_cmd tasks kill -s KILL "$t" >/dev/null 2>&1 || true; done
  fi
  stop kubelet
  stop containerd
  stop node
  # containerd's shims outlive it (by design); they are ours when they serve our state dir.
  local pid
  for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $DIR/run/containerd/" || true); do
    kill -KILL "$pid" 2>/dev/null || true
  done
  stop kube-scheduler
  stop kube-controller-manager
  stop kube-apiserver
  stop etcd
  clean_network
  clean_cgroups
  local d
  for d in "${NODE_PATHS[@]}"; do rmdir "$d" 2>/dev/null || true; done
  # Mounts made in the node namespace vanish with it; umount overlay leftovers if any escaped.
  rm -rf "$DIR/run" "$DIR/images" "$DIR/cni"
  [ "$(cat "$OWNER" 2>/dev/null)" != "$DIR" ] || rm -f "$OWNER"
  log "down in $(elapsed_since "$start")s"
}

clean_network() {
  local ipt t c
  iptables -D FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD 2>/dev/null || true
  for ipt in iptables ip6tables; do
    for t in filter nat mangle; do
      # Rules in the built-in chains that jump to KUBE-* or CNI-* chains, then those chains.
      "$ipt" -t "$t" -S 2>/dev/null | grep -E '^-A (INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) .*-j (KUBE-|CNI-)' |
        sed 's/^-A/-D/' | while read -r rule; do eval "$ipt -t $t $rule" || true; done
      for c in $("$ipt" -t "$t" -S 2>/dev/null | awk '/^-N (KUBE-|CNI-)/{print $2}'); do "$ipt" -t "$t" -F "$c" 2>/dev/null || true; done
      for c in $("$ipt" -t "$t" -S 2>/dev/null | awk '/^-N (KUBE-|CNI-)/{print $2}'); do "$ipt" -t "$t" -X "$c" 2>/dev/null || true; done
    done
  done
  ip link del "$BRIDGE" 2>/dev/null || true
}

clean_cgroups() {
  local h
  for h in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/unified/kubepods /sys/fs/cgroup/kubepods.slice /sys/fs/cgroup/kubepods; do
    [ -d "$h" ] && find "$h" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

case ${1:-} in
  up)
    set_dir "${2:-}"
    cmd_up
    ;;
  import)
    set_dir "${2:-}"
    cmd_import "${3:-}"
    ;;
  down)
    set_dir "${2:-}"
    cmd_down
    ;;
  *) usage ;;
esac
