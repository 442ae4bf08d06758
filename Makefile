# ATN Content: `make run` serves the API, `make test` installs what the tests need and runs them.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin

.PHONY: run test install system-deps node-deps lint bench

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/atn-content serve --host 127.0.0.1 --port $(PORT)

# redis-server is needed by the Redis store's contract tests (they start their own server);
# chromium and fonts-noto-cjk by the real-browser tests (tests/browser); wrk by bench/.
system-deps:
	@if ! command -v redis-server >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing redis-server with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; \
	  else \
	    echo "redis-server is missing: install it (Debian: apt-get install redis-server)"; \
	  fi; \
	fi
	@# wrk: the HTTP load generator of bench/api_load.py and bench/tracking.py.
	@if ! command -v wrk >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing wrk with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
	  else \
	    echo "wrk is missing (for bench/): install it (Debian: apt-get install wrk)"; \
	  fi; \
	fi
	@# chromium (Debian's, driven by Playwright through executable_path: never a browser
	@# download) and fonts-noto-cjk (Japanese glyphs) for the real-browser tests.
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="chromium"; \
	[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing $$missing with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "missing for the browser tests: $$missing (Debian: apt-get install $$missing)"; \
	  fi; \
	fi

# node/npm and the reference MJML compiler (npm `mjml`, pinned in package-lock.json) that
# tests/content/test_mjml_reference.py compares the engine's output with.
node-deps:
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing nodejs/npm with apt-get"; \
	    apt-get update -qq; \
	    command -v node >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs; \
	    command -v npm >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; \
	  else \
	    echo "node/npm are missing: install them (Debian: apt-get install nodejs npm)"; \
	  fi; \
	fi
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory node_modules/.installed; fi

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: install system-deps node-deps lint
	$(BIN)/atn-content i18n check
	$(BIN)/pytest -n auto --dist load

bench: install
	$(BIN)/python bench/render.py
