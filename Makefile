# Two commands for a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin
PYTHON ?= python3
# Installed once; re-run when the dependency list changes. RUN_STAMP: what serving needs
# and the local agent (`make run`); VENV_STAMP: that plus every extra the tests use (`make test`), so a
# `make run` after `make test` installs nothing.
RUN_STAMP  := $(VENV)/.installed-run
VENV_STAMP := $(VENV)/.installed
DEBS_STAMP := .stamp-debs
PYTEST_WORKERS ?= 2
# Tempest and neutron-tempest-plugin, pinned, in a virtualenv of their own (their
# dependency pins clash with ours): tests/conformance/test_tempest.py runs them.
TEMPEST_VENV  := .venv-tempest
TEMPEST_STAMP := $(TEMPEST_VENV)/.installed

.PHONY: run test fuzz bench lint debs venv clean tempest-venv tempest tempest-update

venv: $(VENV_STAMP)
$(RUN_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[agent]'
	touch $@
$(VENV_STAMP): $(RUN_STAMP)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	touch $@

tempest-venv: $(TEMPEST_STAMP)
$(TEMPEST_STAMP): tools/tempest-requirements.txt
	test -x $(TEMPEST_VENV)/bin/python || $(PYTHON) -m venv $(TEMPEST_VENV)
	$(TEMPEST_VENV)/bin/pip install -q --upgrade pip
	$(TEMPEST_VENV)/bin/pip install -q -r tools/tempest-requirements.txt
	touch $@

# Debian packages the tests use (PostgreSQL, Open vSwitch, iproute2, ...).
# Installed only when one is missing, so a second `make test` asks apt nothing.
debs: $(DEBS_STAMP)
$(DEBS_STAMP): tools/debian-packages.txt
	@pkgs=$$(grep -v '^\s*#' tools/debian-packages.txt | xargs); \
	missing=$$(for p in $$pkgs; do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "need root to install: $$missing" >&2; exit 1; fi; \
	  echo "installing Debian packages: $$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing </dev/null >/dev/null; \
	fi
	touch $@

# SQLite in .neutrino/neutrino.db, no authentication, http://127.0.0.1:9696, and this
# host's agent (Open vSwitch started if it is not running; the server runs without it
# and says why when that cannot be done here).
run: $(RUN_STAMP)
	$(BIN)/neutrino serve --with-agent

test: $(VENV_STAMP) $(TEMPEST_STAMP) debs
	$(BIN)/ruff check neutrino tests bench
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=25 tests

# The long fuzz run (tests/fuzz; `make test` runs it with 25 examples per operation).
FUZZ_EXAMPLES ?= 1000
fuzz: $(VENV_STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -p no:xdist -s tests/fuzz

# Only Tempest's run against Neutrino and the expected-failure list (docs/conformance.md).
tempest: $(VENV_STAMP) $(TEMPEST_STAMP)
	$(BIN)/pytest -n 1 -q tests/conformance/test_tempest.py

# Run Tempest, then rewrite the expected-failure list from that run.
tempest-update: $(VENV_STAMP) $(TEMPEST_STAMP)
	$(BIN)/python tools/tempest-expected --run

bench: $(VENV_STAMP) debs
	$(BIN)/python -m bench.run

lint: $(VENV_STAMP)
	$(BIN)/ruff check neutrino tests bench

clean:
	rm -rf $(VENV) $(TEMPEST_VENV) .tempest .neutrino $(DEBS_STAMP)
