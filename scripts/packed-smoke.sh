#!/usr/bin/env bash
# The package as a user gets it, on each supported Node: `npm pack`, then for every Node major given
# (default: 22 24) a fresh install of the tarball in an empty directory and scripts/smoke.mjs run with that
# Node — the installed `bindery mcp` launches its backend, answers the MCP handshake, a create_task and a
# search — and the same for the MCP Bundle's command. Also checks and packs the bundle (mcpb validate/pack).
#
# Offline apart from the npm registry: the Node binaries come from npm's node-<os>-<arch> package, whose
# include/ directory is handed to node-gyp (npm_config_nodedir) so better-sqlite3 compiles against that
# Node without downloading headers. Everything lives in one temp directory, removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(22 24)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[ -f dist/bin/bindery.js ] || npm run build
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)"
echo "packed $(basename "$tarball"): $(du -k "$tarball" | cut -f1) kB, $(tar -tzf "$tarball" | wc -l) files"

npx mcpb validate mcpb/manifest.json
npx mcpb pack mcpb "$work/bindery.mcpb" >/dev/null
mkdir "$work/bundle"
npx mcpb unpack "$work/bindery.mcpb" "$work/bundle" >/dev/null
echo "bundle bindery.mcpb: $(du -k "$work/bindery.mcpb" | cut -f1) kB"

platform=$(node -p 'process.platform + "-" + process.arch')
started=$(date +%s)

# Node <major> → a fresh install of the tarball, better-sqlite3 compiled for that Node. The versions
# install side by side: the compiles are the slow part, and each keeps one core busy.
install() {
  local version=$1 runtime_dir="$work/node$1" app="$work/app$1"
  mkdir -p "$runtime_dir" "$app"
  npm install --prefix "$runtime_dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "node-$platform@$version" >/dev/null
  local runtime="$runtime_dir/node_modules/node-$platform"
  # The install scripts to run are the consumer's choice: this one allows better-sqlite3's build.
  echo '{ "private": true, "allowScripts": { "better-sqlite3": true } }' >"$app/package.json"
  (cd "$app" && PATH="$runtime/bin:$PATH" npm_config_nodedir="$runtime" \
    npm install --prefer-offline --no-audit --no-fund --loglevel=error "$tarball")
}

pids=()
for version in "${versions[@]}"; do
  install "$version" >"$work/install$version.log" 2>&1 &
  pids+=($!)
done
for i in "${!versions[@]}"; do
  if ! wait "${pids[$i]}"; then
    echo "installing the package on Node ${versions[$i]} failed:" >&2
    cat "$work/install${versions[$i]}.log" >&2
    exit 1
  fi
done
echo "installed on Node ${versions[*]} in $(($(date +%s) - started)) s"

for version in "${versions[@]}"; do
  runtime="$work/node$version/node_modules/node-$platform"
  PATH="$runtime/bin:$PATH" node scripts/smoke.mjs "$work/app$version" "$work/bundle"
done
echo "packed install smoke-tested on Node ${versions[*]} in $(($(date +%s) - started)) s"
