# Quick start: `make run` (install, build the knowledge base if needed, start the bot) and `make test`.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench kb clean clean-state

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found); set PYTHON=..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# constraints.txt pins every dependency to the versions the tests passed with (a fresh machine gets the same)
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt -e '.[test,bench]'
	touch $@ $(VENV)/.installed $(VENV)/.installed-test

run: $(VENV)/.installed
	$(BIN)/strikebot run

test: $(VENV)/.installed-test
	$(BIN)/ruff check bot tests $(wildcard benchmarks)
	$(BIN)/python -m pytest

kb: $(VENV)/.installed
	$(BIN)/strikebot kb build

bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks.run

# The built knowledge base and the virtualenv only. The state database (subscriptions, sent log, feedback) is
# never touched here: `make clean-state` deletes it, after asking.
# (only the default KB path: a mistyped STRIKEBOT_KB could name the state database)
KB_FILE := data/knowledge.sqlite
STATE_FILE := $(or $(STRIKEBOT_STATE),data/state.sqlite)

clean:
	rm -rf $(VENV) $(KB_FILE) $(KB_FILE)-wal $(KB_FILE)-shm data/.*.building

clean-state:
	@test -e $(STATE_FILE) || { echo "No state database at $(STATE_FILE)."; exit 0; }; \
	printf 'Delete %s (reminder subscriptions, sent log, feedback, unanswered questions)? Type yes: ' "$(STATE_FILE)"; \
	read answer; [ "$$answer" = yes ] || { echo "Kept $(STATE_FILE)."; exit 0; }; \
	rm -f $(STATE_FILE) $(STATE_FILE)-wal $(STATE_FILE)-shm && echo "Deleted $(STATE_FILE)."
