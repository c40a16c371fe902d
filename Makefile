# Bakehouse: every target installs what it needs, so a fresh machine with Python and git is enough.
SHELL := /bin/bash
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv
RUN := $(UV) run --frozen

.PHONY: setup setup-browser setup-postgres setup-spark demo test test-all lint bench world clean help

help:
	@echo "make demo      set up, build the Basildon world, run the recipe to a release, serve it"
	@echo "make test      set up (with the browser and PostgreSQL where possible), run the test"
	@echo "               suite, then the web app's tests again on PostgreSQL"
	@echo "make test-all  the suite including slow cases (and the linkage on Spark)"
	@echo "make lint      ruff and mypy"
	@echo "make bench     benchmark scripts (medians and ratios)"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	@touch $@

# GOV.UK Frontend for the web app, from the npm registry, served locally.
node_modules/.installed: package.json package-lock.json
	@if ! command -v npm >/dev/null && [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; fi
	@if command -v npm >/dev/null; then npm ci --silent --no-audit --no-fund && touch $@; \
	else echo "npm not found: web pages will have no GOV.UK Frontend styles"; fi

setup: .venv/.synced node_modules/.installed

# Debian's chromium for browser tests, installed when running as root and missing.
setup-browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "chromium could not be installed: browser tests will be skipped"; \
	  else echo "chromium not found and not root: browser tests will be skipped"; fi; \
	fi

# Debian's PostgreSQL server, installed when running as root and missing, for the second pass of
# the web app's tests (scripts/with-postgres runs a throwaway cluster for it). Only the binaries
# are wanted: postgresql-common is told not to create and start a system cluster.
setup-postgres:
	@if ! scripts/with-postgres --check; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq \
	      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-common >/dev/null \
	      && sed -i 's/^#\?\s*create_main_cluster\b.*/create_main_cluster = false/' \
	        /etc/postgresql-common/createcluster.conf \
	      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
	      || echo "PostgreSQL could not be installed: the web tests will not run on PostgreSQL"; \
	  else echo "PostgreSQL not found and not root: the web tests will not run on PostgreSQL"; fi; \
	fi

# Essex's IoD 2019 figures are shipped; IOD=DIR gives the official files for an area outside it.
IOD ?=

# The demo's two interventions, the truth only the world reads (one with an effect, one without);
# the analyst's side of each is beside it in demo/interventions/.
DEMO_WORLD_INTERVENTIONS := demo/interventions/world.yaml
DEMO_INTERVENTIONS := $(filter-out $(DEMO_WORLD_INTERVENTIONS),$(wildcard demo/interventions/*.yaml))
WORLD_OPTIONS = --area basildon --seed 1 --out data/world $(if $(IOD),--iod $(IOD)) \
  --intervention-file $(DEMO_WORLD_INTERVENTIONS)

world: setup
	$(RUN) bakehouse world $(WORLD_OPTIONS)

# The custodian key of the demo: outside the repository, as a real custodian keeps it.
DEMO_KEY ?= $(HOME)/.config/bakehouse/demo-custodian.key
# The demo's release signing key, beside it; the web app trusts its public half.
DEMO_SIGNING_KEY ?= $(HOME)/.config/bakehouse/demo-release-signing.key
DEMO_PUBLIC_KEY = $$($(RUN) bakehouse release public-key --key-file $(DEMO_SIGNING_KEY) | tail -n 1)

# The demo's releases, in a folder of their own for each version of the code: a new version can
# count the same world differently, and a release beside an earlier one that counted otherwise is
# refused (docs/release.md), so each version publishes into a fresh folder, as a partnership would.
DEMO_RELEASES := data/releases/code-$(shell git rev-parse --short HEAD:src 2>/dev/null || echo local)

# The recipes the demo bakes, each in a workspace of its own (its data taken in under its own
# purpose): data/workspaces/<recipe>.
DEMO_RECIPES := school-readiness domestic-abuse homelessness

# A finished community round on the school readiness release, written from the world's truth
# (kept while newer than the release and the world) and loaded once per release.
DEMO_ROUND := data/insight/school-readiness
# What the web app publishes of that round, carried in the recipe's pack (written again when the
# round file is newer).
DEMO_INSIGHT = $(DEMO_RELEASES)/packs/school-readiness-insight.json

# `bakehouse run` for the recipe named by the shell variable $$recipe.
DEMO_RUN = $(RUN) bakehouse run --recipe $$recipe --sources data/world \
  --workspace data/workspaces/$$recipe --out $(DEMO_RELEASES) --key-file $(DEMO_KEY) \
  --truth data/world/truth $(if $(IOD),--iod $(IOD)) \
  --write-path $(DEMO_RELEASES)/.demo-$$recipe --signing-key $(DEMO_SIGNING_KEY)

# The Basildon world with the demo's interventions (kept while it is current, rebuilt when
# demo/interventions/world.yaml changes; `make world` rebuilds it), each recipe from its extracts
# to a checked, signed release, the demo's interventions evaluated on the school readiness
# workspace (exploratory: they started before the demo, when their outcomes already existed) and
# kept, so that the recipe's release carries them; each release imported and published by the
# demo custodian, a finished community round on the school readiness release, the school
# readiness recipe's signed pack (with what the web app published of that round) served on the
# recipes page, then the web app on
# http://127.0.0.1:8000 with one demo account per role (passwords printed) and the worker that
# runs the imports started from its pages beside it. Run again, every stage reuses its work.
demo: setup
	$(RUN) bakehouse world $(WORLD_OPTIONS) --reuse
	@test -f $(DEMO_KEY) || $(RUN) bakehouse custodian init --key-file $(DEMO_KEY) \
	  --workspace data/workspaces/school-readiness
	@test -f $(DEMO_SIGNING_KEY) || $(RUN) bakehouse release keygen --key-file $(DEMO_SIGNING_KEY)
	@for recipe in $(DEMO_RECIPES); do $(DEMO_RUN) || exit 1; done
	@for intervention in $(DEMO_INTERVENTIONS); do \
	  $(RUN) bakehouse evaluate --recipe school-readiness \
	    --workspace data/workspaces/school-readiness --intervention $$intervention \
	    --exploratory --publish || exit 1; \
	done
	@recipe=school-readiness; $(DEMO_RUN)
	$(RUN) python manage.py migrate --verbosity 0
	$(RUN) python manage.py create_demo_users
	@for recipe in $(DEMO_RECIPES); do \
	  BAKEHOUSE_RELEASE_PUBLIC_KEYS="$(DEMO_PUBLIC_KEY)" $(RUN) python manage.py import_release \
	    --skip-if-imported "$$(cat $(DEMO_RELEASES)/.demo-$$recipe)" || exit 1; \
	  $(RUN) python manage.py publish_release --skip-if-published --by demo-custodian \
	    "$$(basename "$$(cat $(DEMO_RELEASES)/.demo-$$recipe)")" || exit 1; \
	done
	$(if $(DEMO_INTERVENTIONS),$(RUN) python manage.py load_interventions --by demo-analyst $(DEMO_INTERVENTIONS))
	$(RUN) python manage.py import_oruk data/world/assets
	$(RUN) python manage.py load_population data/world/census.csv
	@release="$$(cat $(DEMO_RELEASES)/.demo-school-readiness)"; \
	  round=$(DEMO_ROUND)/round.json; \
	  { [ "$$round" -nt "$$release/manifest.json" ] && [ "$$round" -nt data/world/world.json ]; } || \
	  $(RUN) bakehouse insight-round --world data/world --release "$$release" --seed 1 \
	    --out $(DEMO_ROUND) || exit 1; \
	  $(RUN) python manage.py load_insight_round "$$round" --release "$$(basename "$$release")" \
	    --by demo-analyst
	@mkdir -p $(DEMO_RELEASES)/packs
	@[ $(DEMO_INSIGHT) -nt $(DEMO_ROUND)/round.json ] || $(RUN) python manage.py \
	  export_insight_summary --recipe school-readiness --out $(DEMO_INSIGHT) --by demo-analyst
	$(RUN) bakehouse recipe export --recipe school-readiness --workspace data/workspaces/school-readiness \
	  --out $(DEMO_RELEASES)/packs/school-readiness.zip --signing-key $(DEMO_SIGNING_KEY) \
	  $(addprefix --interventions ,$(DEMO_INTERVENTIONS)) --insight $(DEMO_INSIGHT)
	BAKEHOUSE_RELEASE_PUBLIC_KEYS="$(DEMO_PUBLIC_KEY)" $(RUN) python manage.py import_recipe_pack \
	  --by demo-custodian $(DEMO_RELEASES)/packs/school-readiness.zip
	@echo "Serving on http://127.0.0.1:8000, with a worker for the imports started from its pages (Ctrl-C stops both)"
	@BAKEHOUSE_RELEASE_PUBLIC_KEYS="$(DEMO_PUBLIC_KEY)" $(RUN) python manage.py db_worker \
	  --no-reload & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	  $(RUN) python manage.py runserver 127.0.0.1:8000

# The web app's tests run twice: on SQLite with the rest of the suite, then on PostgreSQL, the
# production database (the browser journeys run once). docs/adr/0025-postgresql-in-tests.md
WEB_TESTS := src/web

# Spark for the linkage's Spark backend in the slow tests: pyspark from its dependency group, and
# Debian's Java runtime, installed when running as root and missing.
setup-spark: setup
	@if ! command -v java >/dev/null; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq \
	      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null) \
	      || echo "Java could not be installed: the Spark linkage test will be skipped"; \
	  else echo "Java not found and not root: the Spark linkage test will be skipped"; fi; \
	fi

test: setup setup-browser setup-postgres
	$(RUN) pytest
	scripts/with-postgres $(RUN) pytest $(WEB_TESTS)

test-all: setup setup-browser setup-postgres setup-spark
	$(RUN) --group spark pytest -m "slow or not slow"
	scripts/with-postgres $(RUN) pytest -m "slow or not slow" $(WEB_TESTS)

lint: setup
	$(RUN) ruff check src tests bench scripts e2e manage.py
	$(RUN) ruff format --check src tests bench scripts e2e manage.py
	$(RUN) mypy

bench: setup
	$(RUN) python bench/world.py
	$(RUN) python bench/ingest.py
	$(RUN) python bench/linkage.py
	$(RUN) python bench/areas.py
	$(RUN) python bench/pipeline.py --runs 1
	$(RUN) python bench/web.py

clean:
	rm -rf .venv $(TOOLS) data/world data/workspaces data/releases .pytest_cache .mypy_cache .ruff_cache
