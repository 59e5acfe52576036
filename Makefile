# chainrule: `make demo` and `make test` work from a fresh clone.
# Each target first runs scripts/setup.sh (fast when already set up).
PY := .venv/bin/python
SETUP := bash scripts/setup.sh $(if $(VERBOSE),,--quiet)

.PHONY: setup demo test lab lessons bench clean

setup:
	@$(SETUP)

demo: setup
	$(PY) -m examples.demo

test: setup
	$(PY) -m pytest -n 2 -q

# Jupyter refuses to run as root without --allow-root. Extra flags: make lab LAB_ARGS=--no-browser
lab: setup
	cd notebooks && ../$(PY) -m jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# Run every lesson (English and Korean) and store its outputs in the notebook.
lessons: setup
	$(PY) scripts/lessons.py

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf .venv out .pytest_cache .hypothesis *.egg-info build dist
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find . -name .ipynb_checkpoints -type d -prune -exec rm -rf {} +
