# make report  — execute the notebooks under PROFILE (default cpu; SEEDS=n to override its
#                number of training seeds) and render the report
# make test    — lint, unit tests, then nbval of every notebook under the smoke profile
# Both create .venv on first use and reuse it afterwards. Each installs what it needs of
# pyproject.toml: `make report` the project with its `report` extra, `make test` with `dev`
# (which includes `report`); `make ablation` and `make benchmark` the project alone.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PROFILE ?= cpu
# Training seeds: empty keeps the profile's count (helpers.config.PROFILE_SEEDS: smoke 2, cpu and
# paper 3); `make report SEEDS=1` is the quick look, whose verdicts say "one seed"
SEEDS ?=
ifneq ($(SEEDS),)
export VAE_VS_GAN_SEEDS := $(SEEDS)
endif
# Reading order = file order = run order: the comparison (05) reads the results of 02-04.
NOTEBOOK_ORDER := 01_theory 02_dcgan 03_vae 04_vaegan 05_comparison
NOTEBOOKS := $(foreach n,$(NOTEBOOK_ORDER),$(wildcard notebooks/$(n).ipynb))
LINT_PATHS := $(wildcard helpers tests notebooks benchmarks)

# Kernels read .ipython/ (keeps TensorFlow's C++ log lines out of cell outputs, for nbval).
export IPYTHONDIR := $(CURDIR)/.ipython
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONHASHSEED := 0
# Notebooks whose parameters cell says `profile = None` read this: nbval and the tests run the
# smoke profile; `make report` passes its PROFILE to papermill explicitly.
export VAE_VS_GAN_PROFILE ?= smoke
# Data: set VAE_VS_GAN_DATA yourself, or keep a data folder beside the repository
# (../shared/data), which is used when it exists.
ifeq ($(origin VAE_VS_GAN_DATA), undefined)
ifneq ($(wildcard ../shared/data),)
export VAE_VS_GAN_DATA := $(abspath ../shared/data)
endif
endif

.PHONY: venv venv-report venv-dev lint format test unit nbval report report-deps report-check \
	benchmark ablation lock clean-smoke colab-links

# $(call install,REQUIREMENT): create .venv if missing, install REQUIREMENT (the project, with
# or without extras) at the versions of constraints.txt, register the kernel the notebooks
# run on, and touch the target: a stamp, redone when pyproject.toml or the lock changes.
define install
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e "$(1)"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $@
endef

$(VENV)/.installed: pyproject.toml constraints.txt
	$(call install,.)

$(VENV)/.installed-report: pyproject.toml constraints.txt
	$(call install,.[report])

$(VENV)/.installed-dev: pyproject.toml constraints.txt
	$(call install,.[dev])

venv: $(VENV)/.installed
venv-report: $(VENV)/.installed-report
venv-dev: $(VENV)/.installed-dev

lint: venv-dev
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

format: venv-dev
	$(BIN)/ruff check --fix $(LINT_PATHS)
	$(BIN)/ruff format $(LINT_PATHS)

# one worker per core, each test file on one worker (its module fixtures built once, not once
# per worker)
unit: venv-dev
	$(BIN)/pytest -n auto --dist loadfile tests

# nbval re-executes each notebook with its committed parameters (profile = None, so smoke).
nbval: venv-dev
	@if [ -n "$(NOTEBOOKS)" ]; then $(BIN)/pytest --nbval-lax $(NOTEBOOKS); \
	else echo "nbval: no notebooks yet"; fi

# report-deps first: tests/test_report.py (part of `unit`) opens the report in headless Chromium.
test: lint report-deps unit nbval

report: venv-report report-deps
	$(BIN)/python -m helpers.report --profile $(PROFILE) $(NOTEBOOKS)

# Debian packages the report needs: chromium (prints the PDF, runs the browser tests) and
# poppler-utils (pdftotext, for the tests). Installed only when missing; needs root or sudo.
report-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo -n"; \
	  echo "report-deps: installing$$missing"; \
	  $$sudo apt-get update && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -o DPkg::Lock::Timeout=600 $$missing; \
	fi

# The report as a reader sees it: renders the committed notebooks (smoke outputs) into
# runs/smoke/report/ and checks the HTML in headless Chromium and the PDF with pdftotext.
report-check: venv-dev report-deps
	$(BIN)/pytest tests/test_report.py

# The VAE-GAN ablation that notebook 04 prints (latent 16, about 6 minutes on 2 cores): each
# recipe choice undone in turn, plus the VAE of notebook 03 as a reference row (run that first).
# Written to runs/$(PROFILE)/results/, published by the next `make report`.
ablation: venv
	$(BIN)/python benchmarks/ablate_vaegan.py --profile $(PROFILE) --latent 16 --vae --publish

# Speed ratios side by side (print only), then the DCGAN step profile that notebook 02 prints,
# written to runs/$(PROFILE)/results/ and published by the next `make report`; last the
# VAE-GAN's step in both precisions, which needs notebook 03's VAE (skipped with a message
# when it is missing).
benchmark: venv
	$(BIN)/python benchmarks/bench_dcgan.py --steps 30 --rounds 5
	$(BIN)/python benchmarks/bench_vae.py
	$(BIN)/python benchmarks/profile_dcgan_step.py --publish $(PROFILE)
	-$(BIN)/python benchmarks/bench_vaegan.py --profile $(PROFILE)

# Regenerate the exact-version lock from a fresh resolve of pyproject.toml's ranges.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip && .lock-venv/bin/pip install --quiet ".[dev]"
	.lock-venv/bin/pip freeze --exclude vae-vs-gan | grep -v '^-e' > constraints.txt
	rm -rf .lock-venv

# Rewrite the Colab cells' and README badges' repository URL from pyproject.toml [project.urls].
colab-links: venv
	$(BIN)/python -m helpers.colab --write

clean-smoke:
	rm -rf runs/smoke
