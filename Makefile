# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_HOME ?= $(CURDIR)/var/demo
# The demo's store POS endpoint (docs/pos-api.md); 127.0.0.1 only.
POS_LISTEN ?= 127.0.0.1:8765
PIP := $(BIN)/python -m pip install -q -c constraints.txt

.PHONY: demo test bench install clean-demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# The app and its runtime dependencies.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e .
	@touch $@

# Test tools, plus pyscard when it can be built here (needs swig and libpcsclite-dev;
# .ci/run installs them). Without it the PC/SC tests skip, or fail under CI=true.
$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) -e '.[dev]'
	@$(PIP) -e '.[pcsc]' || echo "note: pyscard could not be built (apt-get install swig libpcsclite-dev); PC/SC tests will skip"
	@touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	KIOSK_HOME=$(DEMO_HOME) $(BIN)/kiosk init
	KIOSK_HOME=$(DEMO_HOME) $(BIN)/kiosk seed-demo --if-empty
	KIOSK_HOME=$(DEMO_HOME) $(BIN)/kiosk run --sim --pos-listen $(POS_LISTEN)

# On every core (pytest-xdist); TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= auto
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(BIN)/kiosk bench $(BENCH_ARGS)

clean-demo:
	rm -rf $(DEMO_HOME)
