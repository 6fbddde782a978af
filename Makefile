# Entry points of the README. Every target sets up .venv from uv.lock first (idempotent).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
UV_VERSION := 0.13.9
# TF build: `make setup GPU=1` installs tensorflow[and-cuda] instead of tensorflow-cpu;
# `make setup JAX=1` adds JAX so KERAS_BACKEND=jax works (and its test runs).
TF_EXTRA := $(if $(GPU),gpu,cpu)
# stages run `birnn <stage>` (dvc.yaml): make the venv's tools visible to them
export PATH := $(abspath $(BIN)):$(PATH)
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: setup run repro test test-fast lint format ui flow bench bench-ratio bench-real schedule

SYNCED := $(VENV)/.synced-$(TF_EXTRA)$(if $(JAX),-jax)

setup: $(SYNCED)

$(SYNCED): uv.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	# --frozen: install exactly what uv.lock says, never re-resolve (uv is in the lock too)
	$(BIN)/uv sync --frozen --extra $(TF_EXTRA) $(if $(JAX),--extra jax) --group dev --python $(BIN)/python
	rm -f $(VENV)/.synced-*
	touch $@

# The DAG as one process (the Prefect flow: one TensorFlow start-up instead of one per stage),
# then `dvc commit` records every output in dvc.lock, so `dvc status` is clean and a later
# `dvc repro` has nothing to do. `make repro` runs the same DAG stage by stage under DVC.
run: setup
	$(BIN)/python flows/pipeline.py
	@echo
	@echo "Done. Comparison: reports/comparison.md   metrics: $(BIN)/dvc metrics show   UI: make ui"

repro: setup
	$(BIN)/dvc repro

# the lint first (seconds), then every test spread over the cores, one test file per worker
# (module fixtures stay shared); TEST_WORKERS=0 runs them in this process
TEST_WORKERS ?= auto
test: setup lint
	# pytest exits 5 when no test is collected; that is not a build failure
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile; rc=$$?; if [ $$rc -eq 5 ]; then exit 0; fi; exit $$rc

test-fast: setup
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not integration"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

flow: setup
	$(BIN)/python flows/pipeline.py

# serves the flow on orchestration.cron against $PREFECT_API_URL (docs/orchestration.md: "Scheduled runs")
schedule: setup
	$(BIN)/python flows/deploy.py

# MLflow's UI exits 0 when its port is taken: check first, and fail naming the port
ui: setup
	@$(BIN)/python -c 'import socket, sys; s = socket.socket(); taken = s.connect_ex(("$(HOST)", $(PORT))) == 0; sys.exit("error: port $(PORT) on $(HOST) is taken (another make ui?): stop that server or run make ui PORT=5001" if taken else 0)'
	@$(BIN)/python -c 'import json, pathlib; p = pathlib.Path("reports/tracking.json"); e = json.loads(p.read_text()).get("experiment_id") if p.is_file() else None; from birnn.tracking.views import runs_page; print(f"the variants: http://$(HOST):$(PORT)/{runs_page(e)}" if e else "no reports/tracking.json yet: the variants show under the experiment birnn-<source>, switch to Model training")'
	$(BIN)/mlflow ui --backend-store-uri sqlite:///mlruns/mlflow.db --default-artifact-root ./mlruns/artifacts --host $(HOST) --port $(PORT)

# the whole benchmark (~12 min on 2 CPU cores): reports/bench.json + reports/bench.md, table printed;
# e.g. make bench BENCH_ARGS='--skip dvc --train-rows 20000'; KERAS_BACKEND=jax make bench JAX=1
# (benchmarks/ is a package at the repo root, outside the wheel: python -m benchmarks -h)
# `dvc repro` vs the same DAG in one process, default params (~25 min on 2 cores):
# reports/bench_ratio.json, per-stage start-up table printed (also a part of `make bench`)
bench-ratio: setup
	$(BIN)/python -m benchmarks ratio

# real development text beside the project's TF-IDF (../shared/data; tens of minutes on 2 cores):
# reports/bench_real.{json,md}; e.g. make bench-real BENCH_REAL_ARGS='--only airline'
bench-real: setup
	$(BIN)/python -m benchmarks real $(BENCH_REAL_ARGS)

bench: setup
	$(BIN)/python -m benchmarks $(BENCH_ARGS)
