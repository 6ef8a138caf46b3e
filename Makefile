# Smart Factory Academy — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
INSTANCE ?= instance
export FLASK_DEBUG ?= 1

.PHONY: run test install config migrate seed serve clean vnu

# The W3C Nu HTML checker (npm package vnu-jar, MIT; a 30 MB jar, so installed, not committed),
# run on Java by tests/a11y/test_valid_html.py. Pinned here and in that test.
VNU_VERSION := 26.9.27
VNU_JAR := .cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar

$(BIN)/activate: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(BIN)/activate

install: $(BIN)/activate

# This installation's own signing key, in instance/config.py (not in git), written once:
# with it every `flask --app wsgi <command>` works without FLASK_DEBUG or LMS_SECRET_KEY.
config:
	@mkdir -p $(INSTANCE)
	@grep -qs '^SECRET_KEY' $(INSTANCE)/config.py || { \
	  printf '\n# Written by `make` once: this installation'"'"'s session and token signing key.\nSECRET_KEY = "%s"\n' \
	    "$$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >> $(INSTANCE)/config.py && \
	  chmod 600 $(INSTANCE)/config.py && echo "wrote a new SECRET_KEY to $(INSTANCE)/config.py"; }

migrate: install config
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) reference load
	$(FLASK) courses sync
	$(FLASK) demo seed --if-empty --trainees 300 --seed 42 --today now

run: seed
	$(FLASK) run --host 127.0.0.1 --port 5000

$(VNU_JAR):
	npm install --silent --no-save --no-audit --no-fund --prefix .cache/vnu vnu-jar@$(VNU_VERSION)

vnu: $(VNU_JAR)

test: install vnu
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance/lms.sqlite3* test-artifacts .cache
