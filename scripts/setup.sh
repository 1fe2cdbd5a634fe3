# shellcheck shell=bash
# Shared by scripts/demo and scripts/test (sourced, not run): the system
# packages, the virtualenv in .venv, the project's own dependencies from
# pyproject.toml and the compiled message catalogs. Every step is skipped when
# it is already done, so a second run is quick.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
cd "$ROOT" || exit 1

# shellcheck disable=SC2034  # used by the scripts that source this file
# WeasyPrint (PDF reports) needs Pango and a font; compilemessages needs gettext.
RUNTIME_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core gettext)
# shellcheck disable=SC2034
# Browser tests drive Debian's Chromium; PDF tests look at pages with pdftoppm.
TEST_PACKAGES=(chromium poppler-utils)

say() { printf '==> %s\n' "$*"; }
die() {
    printf '\nkaikukanta: %s\n' "$*" >&2
    exit 1
}

# The Python to build .venv with: $PYTHON, else the first python3 that is 3.11+.
find_python() {
    local candidate
    for candidate in ${PYTHON:-} python3 python3.13 python3.12 python3.11; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    die "Python 3.11 or newer is needed, and none was found (python3 is $(python3 --version 2>&1 || echo missing)).
Install it (Debian/Ubuntu: apt-get install python3), or point PYTHON at one: PYTHON=/usr/bin/python3.11 $0"
}

package_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = "installed" ]
}

# Installs the Debian/Ubuntu packages named that are missing: as root, or with
# sudo when it needs no password; otherwise stops and names them.
ensure_system_packages() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        say "Not a Debian/Ubuntu system: make sure these (or your system's equivalents) are installed: $*"
        return 0
    fi
    local missing=() package
    for package in "$@"; do
        package_installed "$package" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0

    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sudo=(sudo -n)
        else
            die "These system packages are missing: ${missing[*]}
Install them, then run this again:
    sudo apt-get install -y ${missing[*]}"
        fi
    fi
    say "Installing system packages: ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
        die "apt-get update failed; install these yourself: ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
        die "apt-get could not install: ${missing[*]}"
}

# System packages plus, when the Python lacks ensurepip (Debian's python3
# without python3-venv), the venv package for that Python.
ensure_system() {
    local packages=("$@")
    if [ ! -x "$PY" ]; then
        PYTHON_FOR_VENV="$(find_python)"
        if ! "$PYTHON_FOR_VENV" -c 'import ensurepip, venv' 2>/dev/null; then
            packages+=("$("$PYTHON_FOR_VENV" -c 'import sys; print("python%d.%d-venv" % sys.version_info[:2])')")
        fi
    fi
    ensure_system_packages "${packages[@]}"
}

ensure_venv() {
    if [ -x "$PY" ] && "$PY" -m pip --version >/dev/null 2>&1; then
        return 0
    fi
    rm -rf "$VENV" # a half-made one from an interrupted run
    say "Creating the virtualenv in .venv"
    "${PYTHON_FOR_VENV:-$(find_python)}" -m venv "$VENV" || die "could not create .venv"
}

# pip install -e . (runtime) or -e ".[test]", skipped while pyproject.toml is
# the one installed last time (its hash is kept in .venv/.installed-<extra>).
install_project() {
    local extra="$1" hash
    hash="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    if [ "$(cat "$VENV/.installed-$extra" 2>/dev/null)" = "$hash" ] ||
        { [ "$extra" = runtime ] && [ "$(cat "$VENV/.installed-test" 2>/dev/null)" = "$hash" ]; }; then
        say "Python packages are up to date (pyproject.toml has not changed)"
        return 0
    fi
    local spec=.
    [ "$extra" = runtime ] || spec=".[$extra]"
    say "Installing the project's Python packages: pip install -e \"$spec\""
    "$PY" -m pip install --quiet --disable-pip-version-check -e "$spec" ||
        die "pip install failed (see above)"
    echo "$hash" >"$VENV/.installed-$extra"
}

# The .mo files are not in git: compile them from locale/*.po (if any yet).
compile_messages() {
    if [ -z "$(find locale -name '*.po' -print -quit 2>/dev/null)" ]; then
        say "No message catalogs in locale/ yet: nothing to compile"
        return 0
    fi
    say "Compiling message catalogs"
    DEBUG=1 "$PY" manage.py compilemessages --verbosity 0 \
        --ignore '.venv' --ignore 'node_modules' --ignore '.git' ||
        die "compilemessages failed"
}
