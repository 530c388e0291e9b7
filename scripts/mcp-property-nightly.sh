#!/usr/bin/env bash
# The MCP property test (random and hostile tool arguments) with many more runs than CI's 2,000.
# BINDERY_PROPERTY_RUNS overrides the count (default here: 50,000).
set -euo pipefail
cd "$(dirname "$0")/.."
BINDERY_PROPERTY_RUNS="${BINDERY_PROPERTY_RUNS:-50000}" \
  npx vitest run --project sqlite test/mcp/property.test.ts --testTimeout 1800000
