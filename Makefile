# s3m-grpc: every target creates or reuses the project virtualenv ($(VENV)) first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEMO_STAMP := $(VENV)/.demo-stamp
PARSL_STAMP := $(VENV)/.parsl-stamp

.PHONY: install generate check test demo demo-parsl bench soak fuzz clean

install: $(STAMP)

# Development: the client, the emulator, the workflow engines (Parsl, PSI/J: the dev extra brings
# them) and the tools (codegen, linters, test and fuzz libraries).
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,emulator]'
	touch $(STAMP) $(DEMO_STAMP) $(PARSL_STAMP)

# The demo needs the client and the emulator only: a first `make demo` installs no dev tools.
$(DEMO_STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[emulator]'
	touch $(DEMO_STAMP)

# `make demo-parsl` needs Parsl beside the emulator, and no dev tools either.
$(PARSL_STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[emulator,parsl]'
	touch $(PARSL_STAMP)

generate: $(STAMP)  ## compile proto/ into generated/ (betterproto 2.0.0b7 + upb)
	$(PY) scripts/generate.py

check: $(STAMP)  ## ruff + mypy --strict on the library
	$(VENV)/bin/ruff check s3m_grpc tests bench scripts examples psij-descriptors
	$(VENV)/bin/ruff format --check s3m_grpc tests bench scripts examples psij-descriptors
	$(VENV)/bin/mypy

test: check  ## lint, types, then the whole suite (what .ci/run runs)
	$(PY) -m pytest -n 3 --dist loadfile --no-loadscope-reorder  # 3 workers on 2 cores: most tests wait; longest files first (tests/conftest.py)

demo: $(DEMO_STAMP)  ## the documented calls against a local server
	$(PY) -m s3m_grpc.demo

demo-parsl: $(PARSL_STAMP)  ## a small Parsl workflow whose workers are jobs of a local emulator
	dir=$$(mktemp -d) && eval "$$($(VENV)/bin/s3m emulator --background --print-env --write-header-file $$dir/.env)" \
	  && trap 'kill $$S3M_EMULATOR_PID; rm -rf '"$$dir" EXIT && $(PY) examples/parsl_workflow.py

bench: $(STAMP)  ## benchmarks; prints ratios measured in the same run
	$(PY) bench/run.py

soak: $(STAMP)  ## long reliability runs: 100,000 mixed RPCs with faults; 10,000 submissions, 30% ambiguous failures
	$(PY) bench/soak.py --calls 100000
	$(PY) bench/exactly_once.py --count 10000

fuzz: $(STAMP)  ## schemathesis against the emulator's REST API, from an OpenAPI document built from S3M's descriptors
	$(PY) scripts/fuzz_rest.py --examples 500

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
