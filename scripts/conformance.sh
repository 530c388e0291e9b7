#!/usr/bin/env bash
# The official MCP conformance suite's server scenarios that apply to Bindery, run against the Streamable
# HTTP endpoint of a real `bindery serve` on a free port over a temp workspace. Exits non-zero on any failure.
#
# The suite needs Node 22, which npm ships as the package `node`; the suite's version is pinned.
# Bindery refuses every Origin header unless it is in BINDERY_ALLOWED_ORIGINS (docs/security.md), while the
# dns-rebinding-protection scenario also checks that a request with the server's own loopback Origin is
# accepted: the server is started with that one origin allowed.
set -euo pipefail
cd "$(dirname "$0")/.."

CONFORMANCE_VERSION=0.1.16
SCENARIOS=(server-initialize ping tools-list logging-set-level dns-rebinding-protection)

[ -f dist/cli/main.js ] || npm run build

workspace=$(mktemp -d)
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
url="http://127.0.0.1:${port}"

BINDERY_WORKSPACE="$workspace" BINDERY_PORT="$port" BINDERY_LOG_LEVEL=warn BINDERY_ALLOWED_ORIGINS="$url" \
  node dist/cli/main.js serve 2>"$workspace/serve.log" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$workspace"' EXIT

for _ in $(seq 1 100); do
  if node -e "fetch('${url}/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "bindery serve did not start:" >&2
    cat "$workspace/serve.log" >&2
    exit 1
  fi
  sleep 0.2
done

failed=()
for scenario in "${SCENARIOS[@]}"; do
  echo "== ${scenario}"
  if ! npx -y -p node@22 -p "@modelcontextprotocol/conformance@${CONFORMANCE_VERSION}" -- \
    conformance server --url "${url}/mcp" --scenario "$scenario" 2> >(grep -v '^npm warn' >&2); then
    failed+=("$scenario")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "MCP conformance failed: ${failed[*]}" >&2
  exit 1
fi
echo "MCP conformance passed: ${SCENARIOS[*]}"
