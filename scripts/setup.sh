#!/usr/bin/env bash
# One-time (and idempotent) setup for chainrule.
#   - the Graphviz `dot` program (needed to render computation graphs)
#   - Debian's chromium (only for the browser tests; optional)
#   - a font with Hangul (Debian's fonts-noto-cjk) for the Korean lessons
#   - .venv with `pip install -e '.[dev,torch,bench]'`
# Fast when already done: pip is skipped while .venv/.chainrule-installed holds
# the sha256 of pyproject.toml.
#
# Usage: scripts/setup.sh [-q|--quiet]     (or CHAINRULE_QUIET=1)
set -euo pipefail

QUIET="${CHAINRULE_QUIET:-0}"
for arg in "$@"; do
    case "$arg" in
        -q|--quiet) QUIET=1 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "setup.sh: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

# Work from the repo root whatever the caller's cwd.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say()  { [ "$QUIET" = 1 ] || echo "setup: $*"; }
note() { echo "setup: $*"; }   # long steps are announced even when quiet
warn() { echo "setup: WARNING: $*" >&2; }
die()  { echo "setup: ERROR: $*" >&2; exit 1; }
# Run a command, hiding its output when quiet (shown if it fails).
run() {
    if [ "$QUIET" = 1 ]; then
        local log; log="$(mktemp)"
        if ! "$@" >"$log" 2>&1; then cat "$log" >&2; rm -f "$log"; return 1; fi
        rm -f "$log"
    else
        "$@"
    fi
}

IS_ROOT=0; [ "$(id -u)" = 0 ] && IS_ROOT=1
APT_UPDATED=0
apt_install() {
    if [ "$APT_UPDATED" = 0 ]; then
        run env DEBIAN_FRONTEND=noninteractive apt-get update || return 1
        APT_UPDATED=1
    fi
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

# --- 1. Graphviz `dot` (required) -------------------------------------------
if ! command -v dot >/dev/null 2>&1; then
    if [ "$IS_ROOT" = 1 ] && command -v apt-get >/dev/null 2>&1; then
        note "installing graphviz (the 'dot' program) with apt-get"
        apt_install graphviz || die "apt-get install graphviz failed"
    else
        die "the Graphviz 'dot' program is missing. Install it, then re-run:
    Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y graphviz
    macOS:         brew install graphviz"
    fi
fi
say "dot: $(dot -V 2>&1)"

# --- 2. Debian's chromium (optional: browser tests skip without it) ---------
if [ ! -x /usr/bin/chromium ]; then
    if [ "$IS_ROOT" = 1 ] && command -v apt-get >/dev/null 2>&1; then
        note "installing chromium with apt-get (for the browser tests)"
        apt_install chromium \
            || warn "could not install chromium; the browser tests will be skipped"
    else
        warn "/usr/bin/chromium not found; the browser tests will be skipped (sudo apt-get install chromium)"
    fi
fi

# --- 2b. a font with Hangul (the Korean lessons, in the browser and in plots) -----
if ! { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=ko 2>/dev/null)" ]; }; then
    if [ "$IS_ROOT" = 1 ] && command -v apt-get >/dev/null 2>&1; then
        note "installing fonts-noto-cjk with apt-get (Hangul for the Korean lessons)"
        apt_install fonts-noto-cjk fontconfig \
            || warn "could not install fonts-noto-cjk; Korean text may show as empty boxes"
    else
        warn "no font with Hangul found (sudo apt-get install fonts-noto-cjk)"
    fi
fi

# --- 3. virtualenv -------------------------------------------------------------
PY="${PYTHON:-python3}"
command -v "$PY" >/dev/null 2>&1 || die "'$PY' not found: install Python >= 3.10 (or set PYTHON=/path/to/python3)"
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
    || die "Python >= 3.10 is required, but '$PY' is $("$PY" -V 2>&1). Set PYTHON=/path/to/python3.10+"

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    # Debian ships venv and ensurepip in a separate package.
    if ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
        if [ "$IS_ROOT" = 1 ] && command -v apt-get >/dev/null 2>&1; then
            pyver="$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
            note "installing python${pyver}-venv with apt-get"
            apt_install "python${pyver}-venv" || apt_install python3-venv \
                || die "could not install the venv module (apt-get install python3-venv)"
        else
            die "Python's venv module is missing: sudo apt-get install python3-venv"
        fi
    fi
    say "creating .venv with $("$PY" -V 2>&1)"
    rm -rf .venv
    "$PY" -m venv .venv || die "'$PY -m venv' failed (on Debian: apt-get install python3-venv)"
fi

# --- 4. pip install (cached by the sha256 of pyproject.toml) -------------------
STAMP=.venv/.chainrule-installed
WANT="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
    say "python packages up to date (.venv)"
else
    note "installing chainrule into .venv: pip install -e '.[dev,torch,bench]' (about 2 minutes the first time)"
    rm -f "$STAMP"
    PIPQ=(); [ "$QUIET" = 1 ] && PIPQ=(-q)
    # torch is pinned (==2.13.0) in pyproject.toml, so pip takes the local CPU
    # wheel from its find-links instead of downloading a multi-GB CUDA build.
    run .venv/bin/python -m pip install "${PIPQ[@]}" -e '.[dev,torch,bench]'
    .venv/bin/python -c 'import numpy, graphviz, matplotlib, torch, pytest, playwright' \
        || die "installed packages fail to import"
    echo "$WANT" > "$STAMP"
    say "done: torch $(.venv/bin/python -c 'import torch; print(torch.__version__)')"
fi
