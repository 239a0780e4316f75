# shellcheck shell=bash
# Shared by scripts/test and scripts/demo (sourced, not run): find the repository root,
# make sure .venv exists with the locked dependencies and the project installed, and compile
# the message catalogues. Everything is done in the repository's own .venv so a fresh clone
# needs only python3 (with its venv module).

# The repository root is the parent of this file's directory, wherever the caller stands.
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

# QUALIFICA_VENV puts the environment elsewhere (a CI cache, a trial next to a shared .venv).
VENV="${QUALIFICA_VENV:-$REPO_ROOT/.venv}"
# .venv holds exactly requirements-dev.lock: every package pinned, with the hashes of its
# files (scripts/update-deps refreshes it). The stamp keeps a hash of the lock and of
# pyproject.toml as last installed: while neither changes, reruns skip pip entirely (seconds,
# not a minute); when either does (a pull, a branch switch), the next run installs.
LOCK_FILE="requirements-dev.lock"
INSTALL_STAMP="$VENV/.installed"

log() { printf '%s: %s\n' "${0##*/}" "$*"; }
die() { printf '%s: ERROR: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# Debian and Ubuntu ship Python's venv module (and the ensurepip it needs) apart from python3.
VENV_HINT="Python's venv module is missing: on Debian or Ubuntu install it with
    sudo apt-get install python3-venv
(python3.X-venv for a python3.X other than the default one), then run this again"

ensure_venv() {
    local python="${PYTHON:-python3}" where="${VENV#"$REPO_ROOT"/}"
    command -v "$python" >/dev/null || die "$python not found; Python 3.11 or newer is needed"

    # A .venv whose interpreter is gone (moved clone, removed pyenv) is rebuilt, not trusted.
    if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c '' 2>/dev/null; then
        "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
            || die "$python is $("$python" -V 2>&1); Python 3.11 or newer is needed"
        "$python" -c 'import ensurepip, venv' 2>/dev/null || die "$VENV_HINT"
        log "creating $where with $("$python" -V 2>&1)"
        "$python" -m venv --clear "$VENV" || die "$VENV_HINT"
        rm -f "$INSTALL_STAMP"
    fi

    local wanted
    wanted="$(install_digest)"
    if [[ ! -f "$INSTALL_STAMP" || "$(cat "$INSTALL_STAMP")" != "$wanted" ]]; then
        log "installing $LOCK_FILE and the project into $where"
        rm -f "$INSTALL_STAMP"  # an install that stops halfway is redone on the next run
        # Hash-checked: each package at its pinned version, from a file the lock knows. The
        # build backend is locked too, so building the project fetches nothing unpinned.
        "$VENV/bin/pip" install -q --disable-pip-version-check --require-hashes \
            -r "$LOCK_FILE"
        "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps \
            --no-build-isolation -e .
        # A dependency added to pyproject.toml but not locked yet shows up here.
        local broken
        broken="$("$VENV/bin/pip" check --disable-pip-version-check)" || die "$broken" \
            "(the lock does not hold what pyproject.toml asks for: run" \
            "scripts/update-deps --no-upgrade)"
        printf '%s\n' "$wanted" >"$INSTALL_STAMP"
    fi
}

# A hash of what the install depends on: the lock and the project's own declaration.
install_digest() {
    "$VENV/bin/python" -c '
import hashlib, sys
digest = hashlib.sha256()
for name in sys.argv[1:]:
    with open(name, "rb") as file:
        digest.update(hashlib.sha256(file.read()).digest())
print(digest.hexdigest())' "$LOCK_FILE" pyproject.toml
}

compile_catalogues() {
    # Flask-Babel reads only compiled .mo files (they are git-ignored), so build them from
    # the .po sources every time: it takes well under a second. A broken catalogue stops us.
    if [[ -d translations ]]; then
        "$VENV/bin/pybabel" -q compile -d translations --use-fuzzy
    fi
}
