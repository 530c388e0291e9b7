#!/usr/bin/env bash
# The official MCP conformance suite's server scenarios that apply to Bindery, for both protocol eras, run
# against the Streamable HTTP endpoint of a real `bindery serve` on a free port over a temp workspace: the
# 2025-11-25 scenarios with the suite's 0.1 line, the 2026-07-28 ones with its 0.2 line and the baseline of
# known failing checks in conformance/2026-07-28.yml (conformance/README.md gives the reasons and the
# scenarios that do not apply). Exits non-zero on any failure.
#
# The suite needs Node 22, which npm ships as the package `node`; the suite's versions are pinned.
# Bindery refuses every Origin header unless it is in BINDERY_ALLOWED_ORIGINS (docs/security.md), while the
# dns-rebinding-protection scenario also checks that a request with the server's own loopback Origin is
# accepted: the server is started with that one origin allowed.
set -euo pipefail
cd "$(dirname "$0")/.."

CONFORMANCE_2025=0.1.16
SCENARIOS_2025=(server-initialize ping tools-list logging-set-level dns-rebinding-protection)
CONFORMANCE_2026=0.2.0-alpha.12
SCENARIOS_2026=(server-stateless tools-list resources-list sep-2164-resource-not-found server-sse-multiple-streams
  caching dns-rebinding-protection http-header-validation input-required-result-unsupported-methods
  input-required-result-validate-input)

[ -f dist/bin/bindery.js ] || npm run build

workspace=$(mktemp -d)
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
url="http://127.0.0.1:${port}"

BINDERY_WORKSPACE="$workspace" BINDERY_PORT="$port" BINDERY_LOG_LEVEL=warn BINDERY_ALLOWED_ORIGINS="$url" \
  node dist/bin/bindery.js serve 2>"$workspace/serve.log" &
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
for scenario in "${SCENARIOS_2025[@]}"; do
  echo "== 2025-11-25 ${scenario}"
  if ! npx -y -p node@22 -p "@modelcontextprotocol/conformance@${CONFORMANCE_2025}" -- \
    conformance server --url "${url}/mcp" --scenario "$scenario" 2> >(grep -v '^npm warn' >&2); then
    failed+=("2025-11-25:${scenario}")
  fi
done
for scenario in "${SCENARIOS_2026[@]}"; do
  echo "== 2026-07-28 ${scenario}"
  if ! npx -y -p node@22 -p "@modelcontextprotocol/conformance@${CONFORMANCE_2026}" -- \
    conformance server --url "${url}/mcp" --scenario "$scenario" --spec-version 2026-07-28 \
    --expected-failures conformance/2026-07-28.yml 2> >(grep -v '^npm warn' >&2); then
    failed+=("2026-07-28:${scenario}")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "MCP conformance failed: ${failed[*]}" >&2
  exit 1
fi
echo "MCP conformance passed: 2025-11-25 (${SCENARIOS_2025[*]}); 2026-07-28 (${SCENARIOS_2026[*]})"
