# shellcheck shell=bash
# Shared by scripts/test and scripts/demo (sourced, not run): find the repository root,
# make sure .venv exists with the project installed, and compile the message catalogues.
# Everything is done in the repository's own .venv so a fresh clone needs only python3.

# The repository root is the parent of this file's directory, wherever the caller stands.
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

VENV="$REPO_ROOT/.venv"
# Touched after a successful install; when it is newer than pyproject.toml the
# dependencies cannot have changed, so reruns skip pip entirely (seconds, not a minute).
INSTALL_STAMP="$VENV/.installed"

log() { printf '%s: %s\n' "${0##*/}" "$*"; }
die() { printf '%s: ERROR: %s\n' "${0##*/}" "$*" >&2; exit 1; }

ensure_venv() {
    local python="${PYTHON:-python3}"
    command -v "$python" >/dev/null || die "$python not found; Python 3.11 or newer is needed"

    # A .venv whose interpreter is gone (moved clone, removed pyenv) is rebuilt, not trusted.
    if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c '' 2>/dev/null; then
        "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
            || die "$python is $("$python" -V 2>&1); Python 3.11 or newer is needed"
        log "creating .venv with $("$python" -V 2>&1)"
        "$python" -m venv --clear "$VENV"
        rm -f "$INSTALL_STAMP"
    fi

    if [[ ! -f "$INSTALL_STAMP" || pyproject.toml -nt "$INSTALL_STAMP" ]]; then
        log "installing the project and its dev dependencies into .venv"
        "$VENV/bin/pip" install -q --disable-pip-version-check -e '.[dev]'
        touch "$INSTALL_STAMP"
    fi
}

compile_catalogues() {
    # Flask-Babel reads only compiled .mo files (they are git-ignored), so build them from
    # the .po sources every time: it takes well under a second. A broken catalogue stops us.
    if [[ -d translations ]]; then
        "$VENV/bin/pybabel" -q compile -d translations --use-fuzzy
    fi
}
