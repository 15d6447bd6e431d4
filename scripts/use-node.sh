# Sourced by the project's scripts: puts the pinned Node.js (scripts/ensure-node.sh) first on
# PATH, so `node`, pnpm and every process they start run on it.
_huedb_node_bin=$("$(dirname "${BASH_SOURCE[0]}")/ensure-node.sh") || return 1
case ":$PATH:" in
  *":$_huedb_node_bin:"*) ;;
  *) export PATH="$_huedb_node_bin:$PATH" ;;
esac
unset _huedb_node_bin
