#!/bin/sh
# Build SprintSync's wheel and install it into a fresh virtual environment at $1.
# The Dockerfile's builder stage runs exactly this; tests/deploy/test_image.py runs it too
# and serves from the result the way the image's CMD does.
set -eu
venv=${1:?usage: deploy/build-venv.sh VENV_DIR [WHEEL_DIR]}
wheels=${2:-dist}
python=${PYTHON:-python3}

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_NO_INPUT=1
"$python" -m pip wheel --quiet --no-deps --wheel-dir "$wheels" .
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet "$wheels"/sprintsync-*.whl
# Bytecode is compiled on first import by the non-root user, who cannot write here: compile
# now so start-up does not pay for it on every container start.
# Some dependencies ship modules for newer Pythons only (never imported here), which do not
# compile: that is expected, so compileall's status is ignored.
"$venv/bin/python" -m compileall -q "$venv/lib" >/dev/null 2>&1 || true
# Nothing installs anything at run time.
"$venv/bin/python" -m pip uninstall --yes --quiet pip
