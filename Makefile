# The two set-up commands of the README: `make demo` and `make test`.
# Both create .venv on first use (idempotent: re-run only when pyproject.toml changes).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_REPO ?=
TS_REPO ?=
CHROMIUM ?= chromium

.PHONY: install demo test chromium bench bench-ratios clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "archreview needs Python 3.11 or newer; run: make PYTHON=python3.11 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: install
	$(BIN)/python -m archreview.sample build/sample
	$(BIN)/archreview analyze build/sample --base main --head feature/notifications-ai
	$(BIN)/archreview review build/sample --base main --head feature/notifications-fit \
		--client "BuildRight (sample)" --title "Notifications, fitting version" --output reports/sample-fit.html
	$(BIN)/archreview review build/sample --base main --head feature/notifications-ai \
		--client "BuildRight (sample)" --title "Notifications, AI-generated version" --output reports/sample-ai.html
	$(BIN)/archreview batch data/batch.example.yaml --output reports/batch

# The browser tests drive Debian's Chromium: without it, stop before anything else with
# one line saying how to install it. Then the house checks (imports only go down, every
# import declared, types), then the suite.
chromium:
	$(if $(shell command -v $(CHROMIUM)),@true,$(error Chromium is missing (the browser tests need it): \
	install it with 'sudo apt-get install chromium' (.ci/run does this), then run make test again))

test: chromium install
	$(BIN)/lint-imports
	$(BIN)/deptry .
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: install
	@test -n "$(BENCH_REPO)" || (echo "usage: make bench BENCH_REPO=\"/path/to/django /path/to/sympy@2.5\" (see bench/README.md)"; exit 2)
	$(BIN)/python bench/bench.py $(BENCH_REPO)
	$(BIN)/python bench/batch_bench.py
	@if [ -n "$(TS_REPO)" ]; then $(BIN)/python bench/ts_bench.py $(TS_REPO); fi

# Issue 9/12's cold and warm ratios only (no peers, no review), one run each: about 5 minutes on a quiet
# 2-core machine. make bench-ratios DJANGO=../bench-repos/django SYMPY=../bench-repos/sympy TYPEORM=../bench-repos/typeorm
bench-ratios: install
	@test -n "$(DJANGO)" -a -n "$(SYMPY)" -a -n "$(TYPEORM)" || (echo "usage: make bench-ratios DJANGO=PATH SYMPY=PATH TYPEORM=PATH (see bench/README.md)"; exit 2)
	$(BIN)/python bench/bench.py --skip-peers --skip-review --runs 1 $(DJANGO) $(SYMPY)@2.5
	$(BIN)/python bench/ts_bench.py --runs 1 $(TYPEORM)

clean:
	rm -rf $(VENV) build reports .pytest_cache
