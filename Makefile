# filmcolor: `make demo` and `make test` set everything up on a fresh machine, then run.
# Everything installs into .venv inside the repo; the system Python is left alone.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# torch is installed first, pinned, so the package's `torch>=2.4` is already met when filmcolor is
# installed. On the machines this project is built and tested on, this pin resolves to a CPU build
# kept on disk (no multi-GB CUDA download). Another build: rm -rf .venv && make setup TORCH=torch
TORCH  ?= torch==2.13.0
CODE   := filmcolor pipelines tests
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT    := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get
# The review page's browser test: Debian's chromium and its driver (one source package, so their
# versions match), Java for the Nu Html Checker, which comes from npm (its own release channel).
VNU_VERSION := 26.9.27
VNU_JAR     := .tools/node_modules/vnu-jar/build/dist/vnu.jar

.PHONY: setup ffmpeg browser test fast lint format docs demo bench clean

setup: ffmpeg $(VENV)/.installed

ffmpeg:
	@command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || { \
	  echo "ffmpeg not found: installing it with apt-get"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq ffmpeg >/dev/null; } || { \
	  echo "could not install ffmpeg: install it yourself (apt-get install ffmpeg, or conda install -c conda-forge ffmpeg)"; exit 1; }

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check "$(TORCH)"
	$(PY) -m pip install -q --disable-pip-version-check -e ".[test,ray,bench]"
	touch $@

browser: $(VNU_JAR)
	@test -x /usr/bin/chromium && test -x /usr/bin/chromedriver && command -v java >/dev/null || { \
	  echo "installing chromium, chromium-driver and a Java runtime with apt-get (the browser test)"; \
	  $(APT) update -qq && $(APT) install -y -qq --no-install-recommends \
	    chromium chromium-driver fonts-dejavu-core default-jre-headless >/dev/null; } || { \
	  echo "could not install chromium: apt-get install chromium chromium-driver default-jre-headless"; exit 1; }

$(VNU_JAR):
	@command -v npm >/dev/null || { $(APT) update -qq && $(APT) install -y -qq --no-install-recommends npm >/dev/null; }
	npm install --prefix .tools --no-fund --no-audit --silent vnu-jar@$(VNU_VERSION)

test: setup browser
	$(PY) -m pytest -q -n auto --dist loadfile

fast: setup browser
	$(PY) -m pytest -q -n auto --dist loadfile -m "not slow"

lint: setup
	$(PY) -m ruff check $(CODE)
	$(PY) -m ruff format --check $(CODE)

format: setup
	$(PY) -m ruff check --fix $(CODE)
	$(PY) -m ruff format $(CODE)

docs: setup
	$(PY) -m pipelines.tools.docs

demo: setup
	$(PY) -m pipelines.recipes.demo $(if $(PAIR),--pair $(PAIR))

bench: setup
	$(PY) -m pipelines.bench $(if $(PAIR),--pair $(PAIR))

clean:
	rm -rf $(VENV) .tools demo demo-* .pytest_cache
