# Two commands on a fresh Debian machine: `make run-local` (a playing stream) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

NODE := node
SYSTEM_PACKAGES := ffmpeg nginx-light libnginx-mod-rtmp fonts-dejavu-core chromium redis-server redis-sentinel nftables faketime iproute2
SAMPLE_INPUT := assets/stream.mp4

# One bearer token per reporter writer role (discovery, edges), each made once under .local/
# (readable by you only) and kept out of git; only the run-local targets get them, and each
# component keeps only its own (internal/local/local-components.ts).
local-token = $(shell mkdir -p .local && { [ -s .local/$(1) ] || (umask 077 && od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > .local/$(1)); } && cat .local/$(1))
LOCAL_TARGETS := run-local run-local-ll run-local-redundant run-local-replicas run-local-multi run-local-ingest run-local-ingest-node run-local-worker run-local-server1 run-local-server2 \
                 run-local-discovery run-local-reporter run-local-origin run-local-edges
$(LOCAL_TARGETS): export REPORTER_DISCOVERY_TOKEN ?= $(call local-token,reporter-discovery-token)
$(LOCAL_TARGETS): export REPORTER_EDGES_TOKEN ?= $(call local-token,reporter-edges-token)
$(LOCAL_TARGETS): export REPORTER_WORKER_TOKEN ?= $(call local-token,reporter-worker-token)
$(LOCAL_TARGETS): export REPORTER_OPERATOR_TOKEN ?= $(call local-token,reporter-operator-token)
$(LOCAL_TARGETS): export REPORTER_INGEST_TOKEN ?= $(call local-token,reporter-ingest-token)

.PHONY: help deps build system-deps run-local run-local-ll run-local-redundant run-local-replicas run-local-multi run-local-ingest run-local-ingest-node run-local-worker run-local-server1 run-local-server2 \
        run-local-discovery run-local-reporter run-local-origin run-local-edges test test-long typecheck bench-packager chaos chaos-hosts clean

help:
	@echo "make run-local            start every component, one log stream (Ctrl-C stops all)"
	@echo "make run-local-ll         the same in LL-HLS mode: CMAF parts, about 2 s behind live in hls.js"
	@echo "make run-local-redundant  the same with two workers, each feeding its own packager"
	@echo "make run-local-replicas   the same with two origins (8001, 8011) as Content Steering pathways"
	@echo "make run-local-multi      a fleet: Redis registry, 4 streams placed on 4 workers (redundancy 2), their packagers"
	@echo "make run-local-ingest     live push: RTMP ingest on 1935 (STREAM_KEY=<key>, else one is made), two workers, the slate when nobody publishes"
	@echo "make run-local-<name>     start one: worker server1 server2 discovery reporter origin edges ingest-node"
	@echo "make build                compile cmd/ and internal/ into build/ (the run-local targets do it)"
	@echo "make test                 typecheck and run the suite (unit, component, integration), two files at a time"
	@echo "make test-long            the long player matrices (test/chaos/long), one file at a time"
	@echo "make bench-packager       packager vs nginx throughput, side by side"
	@echo "make chaos                every fault while real players watch; a table and a plot (then the delivery, fleet and publisher faults)"
	@echo "make chaos-hosts          as root: six hosts in network namespaces; partitions, a bad link, the registry away, a skewed clock"

deps: system-deps node_modules/.deps-stamp

# Production runs compiled JavaScript: cmd/ and internal/ compiled into build/ by tsc (tsx, which
# costs each process its loader, stays for development and tests). Rebuilt only when a source, a
# folder listing (a file added or removed) or a tsconfig changed; tsc itself is incremental too.
# build/assets points at assets/: compiled code finds its templates at the same relative place.
BUILD_SOURCES := $(shell find cmd internal -name '*.ts' -o -type d) tsconfig.json tsconfig.build.json

build: build/.build-stamp

# tsc never deletes output: drop the .js (and map) of every source that is gone, keeping the
# incremental build of the rest
build/.build-stamp: node_modules/.deps-stamp $(BUILD_SOURCES)
	@[ ! -d build ] || find build/cmd build/internal -name '*.js' 2>/dev/null | while read -r js; do \
	  src=$${js#build/}; [ -f "$${src%.js}.ts" ] || rm -f "$$js" "$$js.map"; done
	npx tsc -p tsconfig.build.json
	ln -sfn ../assets build/assets
	@touch $@

node_modules/.deps-stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# Installs what is missing with apt-get when we are root; otherwise says exactly what to run.
system-deps:
	@missing=""; \
	for pkg in $(SYSTEM_PACKAGES); do \
	  bin=$${pkg%%-*}; dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q 'ok installed' || command -v $$pkg >/dev/null 2>&1 || \
	    { case $$pkg in lib*|fonts-*) false;; *) command -v $$bin >/dev/null 2>&1 || [ -x /usr/sbin/$$bin ];; esac; } || missing="$$missing $$pkg"; \
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

run-local: deps build $(SAMPLE_INPUT)
	$(NODE) build/cmd/local/main.js default

# The default topology in LL-HLS mode (CMAF, 0.5 s parts, 1 s segments), at the same origin URL.
run-local-ll: deps build $(SAMPLE_INPUT)
	$(NODE) build/cmd/local/main.js ll

# Two epoch-locked workers, each feeding its own packager: an encoder can die without a gap.
run-local-redundant: deps build $(SAMPLE_INPUT)
	$(NODE) build/cmd/local/main.js redundant

# Two origin replicas offered as HLS Content Steering pathways: an origin can die without a stall.
run-local-replicas: deps build $(SAMPLE_INPUT)
	$(NODE) build/cmd/local/main.js replicas

# A fleet on one machine: a local Redis (port 6390) as the registry, four streams from
# assets/streams-multi.json placed by the assigner on four workers, each with its own packager.
run-local-multi: deps build $(SAMPLE_INPUT)
	$(NODE) build/cmd/local/main.js multi

# A live push: the ingest (nginx with the RTMP module) takes rtmp://127.0.0.1:1935/live/<key>, two
# workers pull it and encode it on the epoch grid, the slate when nobody publishes (README "Live ingest").
run-local-ingest: deps build $(SAMPLE_INPUT)
	$(NODE) build/cmd/local/main.js ingest

run-local-ingest-node: deps build
	$(NODE) build/cmd/ingest/main.js

run-local-worker: deps build $(SAMPLE_INPUT)
	$(NODE) build/cmd/worker/main.js

run-local-server1: deps build
	PACKAGER_NAME=server1 $(NODE) build/cmd/packager/main.js

run-local-server2: deps build
	PACKAGER_NAME=server2 $(NODE) build/cmd/packager/main.js

run-local-discovery: deps build
	$(NODE) build/cmd/discovery/main.js

run-local-reporter: deps build
	$(NODE) build/cmd/reporter/main.js

run-local-origin: deps build
	$(NODE) build/cmd/origin/main.js

run-local-edges: deps build
	$(NODE) build/cmd/edges/main.js

typecheck: deps
	npx tsc --noEmit -p .

# The whole suite, then a coverage floor and one closing line with the real counts.
test: deps typecheck
	@set -o pipefail; mkdir -p .tap; \
	npx tap --coverage-report=json-summary --coverage-report=text-summary 2>&1 | tee .tap/test-output.txt; \
	status=$$?; node test/support/test-summary.mjs .tap/test-output.txt .tap/report/coverage-summary.json || status=1; \
	exit $$status

# The long tier: player matrices whose short version runs in `make test` (README "Tests and benchmarks").
test-long: deps
	npx tap --jobs=1 --disable-coverage 'test/chaos/long/**/*.test.ts'

bench-packager: deps
	npm run --silent bench:packager

# The fault matrix with real players (hls.js in Chromium, ffmpeg, the rule watcher); ~10 min on 2 cores.
chaos: deps
	npm run --silent chaos
	npm run --silent chaos:ll
	npm run --silent chaos:delivery
	npm run --silent chaos:fleet
	npm run --silent chaos:ingest

# The pipeline on six hosts (network namespaces, as root) with partitions, a bad link, the registry
# away and a skewed clock while players watch; it removes every namespace, link and process it made.
chaos-hosts: deps build
	npm run --silent chaos:hosts

clean:
	rm -rf output output2 .tap coverage build
