# Two commands on a fresh Debian machine: `make run-local` (a playing stream) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

NODE := node --import tsx
SYSTEM_PACKAGES := ffmpeg nginx-light chromium
SAMPLE_INPUT := assets/stream.mp4

# One bearer token per reporter writer role (discovery, edges), each made once under .local/
# (readable by you only) and kept out of git; only the run-local targets get them, and each
# component keeps only its own (internal/local/local-components.ts).
local-token = $(shell mkdir -p .local && { [ -s .local/$(1) ] || (umask 077 && od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > .local/$(1)); } && cat .local/$(1))
LOCAL_TARGETS := run-local run-local-redundant run-local-replicas run-local-worker run-local-server1 run-local-server2 \
                 run-local-discovery run-local-reporter run-local-origin run-local-edges
$(LOCAL_TARGETS): export REPORTER_DISCOVERY_TOKEN ?= $(call local-token,reporter-discovery-token)
$(LOCAL_TARGETS): export REPORTER_EDGES_TOKEN ?= $(call local-token,reporter-edges-token)

.PHONY: help deps system-deps run-local run-local-redundant run-local-replicas run-local-worker run-local-server1 run-local-server2 \
        run-local-discovery run-local-reporter run-local-origin run-local-edges test typecheck bench-packager chaos clean

help:
	@echo "make run-local            start every component, one log stream (Ctrl-C stops all)"
	@echo "make run-local-redundant  the same with two workers, each feeding its own packager"
	@echo "make run-local-replicas   the same with two origins (8001, 8011) as Content Steering pathways"
	@echo "make run-local-<name>     start one: worker server1 server2 discovery reporter origin edges"
	@echo "make test                 typecheck and run the whole test suite"
	@echo "make bench-packager       packager vs nginx throughput, side by side"
	@echo "make chaos                every fault while real players watch; a table and a plot"

deps: system-deps node_modules/.deps-stamp

node_modules/.deps-stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# Installs what is missing with apt-get when we are root; otherwise says exactly what to run.
system-deps:
	@missing=""; \
	for pkg in $(SYSTEM_PACKAGES); do \
	  bin=$${pkg%%-*}; command -v $$bin >/dev/null 2>&1 || [ -x /usr/sbin/$$bin ] || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing system packages:$$missing"; \
	    echo "install them with: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

$(SAMPLE_INPUT):
	bash assets/make-sample-input.sh $@

run-local: deps $(SAMPLE_INPUT)
	$(NODE) cmd/local/main.ts default

# Two epoch-locked workers, each feeding its own packager: an encoder can die without a gap.
run-local-redundant: deps $(SAMPLE_INPUT)
	$(NODE) cmd/local/main.ts redundant

# Two origin replicas offered as HLS Content Steering pathways: an origin can die without a stall.
run-local-replicas: deps $(SAMPLE_INPUT)
	$(NODE) cmd/local/main.ts replicas

run-local-worker: deps $(SAMPLE_INPUT)
	$(NODE) cmd/worker/main.ts

run-local-server1: deps
	PACKAGER_NAME=server1 $(NODE) cmd/packager/main.ts

run-local-server2: deps
	PACKAGER_NAME=server2 $(NODE) cmd/packager/main.ts

run-local-discovery: deps
	$(NODE) cmd/discovery/main.ts

run-local-reporter: deps
	$(NODE) cmd/reporter/main.ts

run-local-origin: deps
	$(NODE) cmd/origin/main.ts

run-local-edges: deps
	$(NODE) cmd/edges/main.ts

typecheck: deps
	npx tsc --noEmit -p .

# The whole suite, then a coverage floor and one closing line with the real counts.
test: deps typecheck
	@set -o pipefail; mkdir -p .tap; \
	npx tap --coverage-report=json-summary --coverage-report=text-summary 2>&1 | tee .tap/test-output.txt; \
	status=$$?; node test/support/test-summary.mjs .tap/test-output.txt .tap/report/coverage-summary.json || status=1; \
	exit $$status

bench-packager: deps
	npm run --silent bench:packager

# The fault matrix with real players (hls.js in Chromium, ffmpeg, the rule watcher); ~10 min on 2 cores.
chaos: deps
	npm run --silent chaos

clean:
	rm -rf output output2 .tap coverage
