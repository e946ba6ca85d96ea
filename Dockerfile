# CPU image by default:   docker build -t newsrag .
# CUDA image:             docker build -t newsrag:cuda --build-arg CUDA=1 \
#                           --build-arg BASE=nvidia/cuda:12.6.3-devel-ubuntu24.04 .
# Run:                    docker run -p 7860:7860 -v newsrag-data:/data -e NEWSRAG_AUTH=editor:LONG-PASSWORD newsrag
# (it serves 0.0.0.0 inside the container, so it refuses to start without NEWSRAG_AUTH)
ARG BASE=python:3.11-slim
FROM ${BASE}

ARG CUDA=0
# CPU wheels of torch for the CPU image; the CUDA image takes PyPI's default (CUDA) build.
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu

RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake \
      $(if [ "$CUDA" = 1 ]; then echo python3 python3-venv python3-dev; fi) \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . .
RUN if [ "$CUDA" = 1 ]; then export NEWSRAG_CUDA=1 TORCH_INDEX=; else export TORCH_INDEX="$TORCH_INDEX"; fi \
 && PYTHON=python3 XDG_CACHE_HOME=/app/cache bash scripts/setup.sh

ENV PATH=/app/.venv/bin:$PATH \
    XDG_CACHE_HOME=/app/cache \
    NEWSRAG_ARCHIVE=/data/archive \
    GRADIO_ANALYTICS_ENABLED=False
VOLUME /data
EXPOSE 7860
CMD ["newsrag", "demo", "--host", "0.0.0.0"]
