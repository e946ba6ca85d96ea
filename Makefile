# make demo: set up, ingest the bundled sample archive and serve the chat on http://127.0.0.1:7860
# make test: set up, then run the whole test suite
.PHONY: setup demo test clean

setup:
	@bash scripts/setup.sh

demo: setup
	.venv/bin/newsrag demo

test: setup
	.venv/bin/python -m pytest

clean:
	rm -rf .venv build *.egg-info .pytest_cache
