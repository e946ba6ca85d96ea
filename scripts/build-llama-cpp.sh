#!/usr/bin/env bash
# Build llama-cpp-python from source once per machine and keep the wheel in a cache.
#
# The default source build uses -march=native, which on CPUs with AMX crashes at the
# first decode (ggml_backend_amx_mul_mat). We build with GGML_NATIVE=OFF and name the
# instruction sets the CPU has ourselves: AVX-512 (with VNNI, BF16 and VBMI where present),
# else AVX2/FMA/F16C, else plain SSE; never AMX. Prompt reading is compute-bound, so the
# AVX-512 build reads prompts about a third faster on CPUs that have it. Only the library is
# built (no tools, examples or server). The variant is part of the cache key, so a wheel built
# on one CPU is not reused on another. NEWSRAG_LLAMA_VARIANT=avx512|avx2|sse forces a variant;
# NEWSRAG_CUDA=1 builds the CUDA backend instead.
#
# Usage: scripts/build-llama-cpp.sh PYTHON   (prints the path of the cached wheel)
set -euo pipefail

PY=${1:-python3}
VERSION=${LLAMA_CPP_VERSION:-0.3.36}
CACHE=${NEWSRAG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/newsrag}/wheels

common="-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF"
has() { grep -qw "$1" /proc/cpuinfo 2>/dev/null; }
arch=$(uname -m)
variant=${NEWSRAG_LLAMA_VARIANT:-}
if [ -z "$variant" ] && [ "$arch" = x86_64 ]; then
    if has avx512f && has avx512bw && has avx512vl && has avx512dq; then variant=avx512
    elif has avx2 && has fma; then variant=avx2
    else variant=sse
    fi
fi
avx2="-DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
if [ "${NEWSRAG_CUDA:-0}" = 1 ]; then
    tag=cuda
    flags="$common -DGGML_AVX512=OFF -DGGML_CUDA=on"
elif [ "$variant" = avx512 ]; then
    tag=x86-avx512
    flags="$common $avx2 -DGGML_AVX512=ON"
    for ext in vnni:VNNI bf16:BF16 vbmi:VBMI; do
        if has "avx512_${ext%%:*}" || has "avx512${ext%%:*}"; then
            tag="$tag-${ext%%:*}"
            flags="$flags -DGGML_AVX512_${ext##*:}=ON"
        else
            flags="$flags -DGGML_AVX512_${ext##*:}=OFF"
        fi
    done
elif [ "$variant" = avx2 ]; then
    tag=x86-avx2
    flags="$common $avx2 -DGGML_AVX512=OFF"
elif [ "$variant" = sse ]; then
    tag=x86-sse
    flags="$common -DGGML_AVX512=OFF -DGGML_AVX=OFF -DGGML_AVX2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF -DGGML_BMI2=OFF"
else
    tag=$arch
    flags="$common"
fi

pyver=$("$PY" -c 'import sys; print("cp%d%d" % sys.version_info[:2])')
dir="$CACHE/llama-cpp-python-$VERSION-$pyver-$tag"
wheel=$(ls "$dir"/llama_cpp_python-*.whl 2>/dev/null | head -n 1 || true)
if [ -z "$wheel" ]; then
    echo "building llama-cpp-python $VERSION ($tag); this takes about 5 minutes, once" >&2
    tmp="$dir.tmp.$$"
    rm -rf "$tmp" && mkdir -p "$tmp"
    CMAKE_ARGS="$flags" CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)} FORCE_CMAKE=1 \
        "$PY" -m pip wheel --quiet --no-deps --no-cache-dir --no-binary llama-cpp-python \
        "llama-cpp-python==$VERSION" -w "$tmp" >&2
    rm -rf "$dir" && mv "$tmp" "$dir"
    wheel=$(ls "$dir"/llama_cpp_python-*.whl | head -n 1)
fi
echo "$wheel"
