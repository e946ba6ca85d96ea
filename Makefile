# make demo: set up, ingest the bundled sample archive and serve the chat on http://127.0.0.1:7860
# make test: set up, then run the whole test suite
# make bench: set up, then run the benchmarks in bench/ (minutes; figures go in docs/PERFORMANCE.md)
.PHONY: setup demo test bench clean

setup:
	@bash scripts/setup.sh

demo: setup
	.venv/bin/newsrag demo

test: setup
	.venv/bin/python -m pytest

bench: setup
	.venv/bin/python -m bench.ingest
	.venv/bin/python -m bench.retrieval
	.venv/bin/python -m bench.ask
	.venv/bin/python -m bench.peer --model small

clean:
	rm -rf .venv build *.egg-info .pytest_cache
