# ips-map — build the coverage map and run the tests.
# `make map` and `make test` set up everything they need on a fresh machine.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
MAKEFLAGS += --warn-undefined-variables --no-builtin-rules
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= build
SERVICES ?=
CENSUS_YEAR ?=
# make edition: the census vintage to fetch and build; FETCH=0 builds from the data at hand.
YEAR ?=
FETCH ?= 1
CENSUS_URL ?=
# make edition: the insee.fr page of a vintage ips-map does not know yet (remembered after).
CENSUS_PAGE ?=
CHROMIUM ?= /usr/bin/chromium
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt

# $(call quote,TEXT): TEXT as one shell word, whatever it holds (spaces, quotes, accents):
# SERVICES="ma liste.csv" is one path, not two arguments.
quote = '$(subst ','\'',$(1))'
BUILD_ARGS := --out $(call quote,$(OUT))
ifneq ($(SERVICES),)
BUILD_ARGS += --services $(call quote,$(SERVICES))
endif
ifneq ($(CENSUS_YEAR),)
BUILD_ARGS += --census-year $(call quote,$(CENSUS_YEAR))
endif

.PHONY: help map edition test check fuzz lint bench example clean chromium node poppler stress locale leaflet scripts

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-9s %s\n", $$1, $$2}'
	@echo "  Variables: SERVICES=liste.csv CENSUS_YEAR=2022 OUT=build"
	@echo "  make edition YEAR=2024 [FETCH=0] [CENSUS_PAGE=… | CENSUS_URL=…] [SERVICES=…] : build/2024/, comparé à build/2023/"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt $(VENV)/.installed
	$(PIP_INSTALL) -e '.[test]'
	touch $@

map: $(VENV)/.installed ## Build build/index.html (and the tables) from the embedded data
	$(BIN)/ips-map build $(BUILD_ARGS)

# The yearly routine: fetch the census vintage YEAR, build into $(OUT)/YEAR/ and, when
# $(OUT)/YEAR-1/ exists, compare with it (changes.csv, "Évolution" on the map, summary printed).
edition: $(VENV)/.installed ## Yearly edition: fetch census YEAR, build OUT/YEAR/, compare with OUT/YEAR-1/
	@[[ "$(YEAR)" =~ ^[0-9]{4}$$ ]] || { echo "Indiquez le millésime : make edition YEAR=2024" >&2; exit 2; }
ifeq ($(FETCH),1)
	$(BIN)/ips-map fetch census --year $(YEAR)$(if $(CENSUS_URL), --url $(call quote,$(CENSUS_URL)))$(if $(CENSUS_PAGE), --page $(call quote,$(CENSUS_PAGE)))
endif
	@out=$(call quote,$(OUT)); services=$(call quote,$(SERVICES)); \
	previous="$$out/$$(( $(YEAR) - 1 ))"; \
	args=(--out "$$out/$(YEAR)" --census-year "$(YEAR)"); \
	if [ -n "$$services" ]; then args+=(--services "$$services"); fi; \
	if [ -d "$$previous" ]; then args+=(--previous "$$previous"); \
	else echo "Pas d'édition précédente ($$previous) : carte construite sans comparaison."; fi; \
	echo "$(BIN)/ips-map build $${args[*]@Q}"; \
	$(BIN)/ips-map build "$${args[@]}"

chromium: ## Install Debian's Chromium for the browser tests, if missing
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  echo "Installation de Chromium (paquet Debian)…"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium; \
	fi

poppler: ## Install Debian's poppler-utils (pdftoppm, pdftotext) for the print tests, if missing
	@if ! command -v pdftoppm >/dev/null || ! command -v pdftotext >/dev/null; then \
	  echo "Installation de poppler-utils (paquet Debian)…"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends poppler-utils; \
	fi

node: ## Install Debian's Node.js and npm for the scripts' tests (node --test, pa11y), if missing
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	  echo "Installation de Node.js et npm (paquets Debian)…"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends nodejs npm; \
	fi

# Both targets run the tests in parallel (pytest-xdist): one worker more than the cores,
# because many tests spend their time waiting (local servers, deadlines, Chromium), and the
# spare worker keeps the cores busy meanwhile (2 cores: about 52 s instead of 60 s). The
# builds that many tests read are made once per worker (tests/conftest.py). Bytecode and
# pytest's rewritten test modules are cached even where the environment says not to: every
# worker imports the whole suite. WORKERS=… to choose.
# Each worker's numpy and scipy load OpenBLAS with one thread (ips_map does it for itself, but
# a worker may load numpy first): a thread per core each, spinning, cost the suite a tenth of
# its processor time.
WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
test check: export PYTHONDONTWRITEBYTECODE :=
test check: export OPENBLAS_NUM_THREADS := 1
test: $(VENV)/.installed-test chromium node poppler node_modules/.installed ## Run the whole test suite (browser tests included)
	IPS_MAP_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -n $(WORKERS) --dist worksteal

check: $(VENV)/.installed-test node poppler node_modules/.installed ## The suite without the browser tests: the edit loop
	$(BIN)/python -m pytest -n $(WORKERS) --dist worksteal -m "not browser"

# The fuzz suite (tests/test_fuzz.py) with 100,000 inputs instead of the few hundred of
# `make test`: IPS_MAP_FUZZ_EXAMPLES=… for another number, IPS_MAP_FUZZ_SEED=… to replay.
fuzz: $(VENV)/.installed-test ## Fuzz the listing readers with 100,000 inputs (about an hour)
	IPS_MAP_FUZZ_EXAMPLES=$${IPS_MAP_FUZZ_EXAMPLES:-100000} $(BIN)/python -m pytest -n auto \
	  --dist worksteal --hypothesis-show-statistics tests/test_fuzz.py

stress: $(VENV)/.installed-test ## Kill 50 real builds at random moments of their write (make test kills 20)
	IPS_MAP_KILLS=50 $(BIN)/python -m pytest tests/test_integrity.py -k kills -q

# ESLint for the page's scripts and pa11y for the page (tests/test_accessibility.py), at the
# versions of package-lock.json (Node.js >= 20.19); pa11y drives Debian's Chromium, so that
# Puppeteer downloads no browser (also said in .puppeteerrc.cjs).
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm est nécessaire pour ESLint et pa11y (Node.js 20.19 ou plus récent)" >&2; exit 1; }
	PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The Leaflet the page inlines: the modules of ips_map/render/vendor/leaflet-entry.js, bundled
# from the npm package leaflet (package-lock.json's version) by esbuild; commit the result
# (tests/test_vendor.py checks that it is what the entry makes).
leaflet: node_modules/.installed ## Rebundle ips_map/render/vendor/leaflet-ips.js (the modules of Leaflet the map uses)
	node scripts/build-leaflet.mjs

# The page's own scripts as esbuild minifies them (ips_map/render/vendor/minified/, named by
# the sha256 of their source): run after editing ips_map/render/static/*.js, and commit.
scripts: $(VENV)/.installed node_modules/.installed ## Minify the page's scripts into ips_map/render/vendor/minified/ (after editing static/*.js)
	$(BIN)/python scripts/minify_scripts.py

locale: $(VENV)/.installed ## Compile Click's words in French (ips_map/cli/_french.py) into the catalogue the CLI reads
	$(BIN)/python -c "from ips_map.cli._french import write_mo; print(write_mo())"

lint: $(VENV)/.installed-test node_modules/.installed ## Check style, common bugs and the layers (ruff, import-linter, ESLint)
	$(BIN)/ruff check ips_map tests bench scripts
	$(BIN)/ruff format --check ips_map tests bench scripts
	$(BIN)/lint-imports --no-cache
	node_modules/.bin/eslint ips_map/render/static ips_map/render/vendor/leaflet-entry.js ips_map/render/vendor/leaflet-stubs scripts tests/js eslint.config.js

$(VENV)/.installed-bench: pyproject.toml constraints.txt $(VENV)/.installed-test
	$(PIP_INSTALL) -e '.[test,bench]'
	touch $@

bench: $(VENV)/.installed-bench chromium ## Measure size and speed against the baselines (bench/RESULTS.md)
	@command -v npm >/dev/null || { echo "npm est nécessaire (copies locales des ressources des pages de référence)"; exit 1; }
	IPS_MAP_CHROMIUM=$(CHROMIUM) $(BIN)/python -m bench

example: $(VENV)/.installed ## Regenerate data/services/exemple.csv from exemple-sources.csv
	$(BIN)/python scripts/make_example.py
	@$(BIN)/python -c 'from ips_map.settings import data_dir; from ips_map.sources.registry import SOURCES, file_sha256; \
	s = SOURCES["exemple"]; h = file_sha256(data_dir() / s.path); \
	print(f"{s.path}: sha256 {h}" + ("" if h == s.sha256 else \
	" : reportez-le dans ips_map/sources/registry.py (entrée exemple), il diffère du manifeste"))'

clean: ## Remove the outputs (build/) and caches; keeps .venv and data/
	rm -rf build .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +
