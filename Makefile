# The newcomer path: `make demo` and `make test` on a machine with only python3 and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO_OUT ?= reports/demo

.PHONY: demo test fuzz lint bench clean help

help:
	@echo "make demo   - install into $(VENV) and run the whole pipeline on the demo company"
	@echo "make test   - install the test extras into $(VENV) and run the whole test suite"
	@echo "make fuzz   - the hostile-input harness with many more cases and a new seed"
	@echo "make lint   - ruff (checks and formatting) and import-linter"
	@echo "make bench  - run the benchmarks in benchmarks/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install whenever pyproject.toml changes.
# Byte-compile the package too: an editable install leaves that to the first import, which
# never happens where PYTHONDONTWRITEBYTECODE is set (every command then compiles ~100
# modules again: 0.25 s at each start).
$(VENV)/.installed-base: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m compileall -q kpitools > /dev/null
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m compileall -q kpitools > /dev/null
	@touch $@ $(VENV)/.installed-base

# The report compares alternatives for the same people (the reps); the managers' override is
# paid on top of whichever is chosen, so the simulation runs it beside them.
DEMO_ALTERNATIVES := weighted_scorecard tiered_accelerator linear_commission team_pool
DEMO_SCHEMES := $(DEMO_ALTERNATIVES) sales_manager_override

# The whole pipeline on the demo company: data, checks, design, schemes, report.
demo: $(VENV)/.installed-base
	$(BIN)/kpitools demo --out $(DEMO_OUT)
	$(BIN)/kpitools design check templates/designs/b2b_sales.yaml --data $(DEMO_OUT)/data.csv
	$(BIN)/kpitools data timing $(DEMO_OUT)/data.csv --kpi revenue
	$(BIN)/kpitools simulate --data $(DEMO_OUT)/data.csv --roster $(DEMO_OUT)/roster.csv \
		--by team --by region --out $(DEMO_OUT)/simulation \
		$(foreach s,$(DEMO_SCHEMES),--scheme templates/schemes/$(s).yaml) --forecast 1000 --seed 1 --stress
	$(BIN)/kpitools report --client "Northstar Components" --data $(DEMO_OUT)/data.csv \
		--roster $(DEMO_OUT)/roster.csv --design templates/designs/b2b_sales.yaml \
		$(foreach s,$(DEMO_ALTERNATIVES),--scheme templates/schemes/$(s).yaml) --out $(DEMO_OUT)/report \
		--param 'branding={consultant: Harbour & Vale Advisory (demo)}'
	@echo
	@echo "The demo company's report: $(DEMO_OUT)/report/Northstar-Components/report.html"
	@echo "                 (and .pdf, payouts.xlsx, manifest.json in the same folder)"

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# A new seed each run (printed; KPITOOLS_FUZZ_SEED=N make fuzz reruns one), FUZZ_CASES per kind.
FUZZ_CASES ?= 400
fuzz: $(VENV)/.installed-test
	KPITOOLS_FUZZ_SEED=$${KPITOOLS_FUZZ_SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')} \
	KPITOOLS_FUZZ_CASES=$(FUZZ_CASES) $(BIN)/python -m pytest tests/hostile -p no:cacheprovider

lint: $(VENV)/.installed-test
	$(BIN)/ruff check kpitools tests benchmarks
	$(BIN)/ruff format --check kpitools tests benchmarks
	$(BIN)/lint-imports

bench: $(VENV)/.installed-test
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) reports .pytest_cache .ruff_cache
