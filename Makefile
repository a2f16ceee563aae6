# Baton's development commands. The database is BATON_DATABASE_URL, DATABASE_URL or
# libpq's PG* variables when set; otherwise a private PostgreSQL cluster in .baton/,
# started on demand by scripts/db.
SHELL := /bin/bash
.DEFAULT_GOAL := help
DB := scripts/db
BATON := .build/debug/baton

.PHONY: help setup build test test-faults test-faults-busy test-chaos test-browser bench demo db db-stop migrate clean

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{ printf "  make %-11s %s\n", $$1, $$2 }'

setup: ## Install libpq-dev and pkg-config with apt-get when missing (as root).
	@scripts/setup

build: setup ## Build the library, the worker runtime and the baton tool.
	swift build

# Three passes: the latency tests (PgBouncer's small pool, connect timeouts among them) and the heavy ones
# (processes: several clusters, the bench, /metrics, the dashboard, the monitor) run apart from the rest,
# which would crowd their timing on a small machine.
# With the private database, a PgBouncer in transaction mode (scripts/pgbouncer) for PgBouncerTests.
test: build ## Run every test against a real PostgreSQL (the private one unless configured).
	@bouncer=$$([ -z "$$BATON_DATABASE_URL$$DATABASE_URL$$PGHOST" ] && scripts/pgbouncer url || true) && \
	url=$$($(DB) url) && export BATON_DATABASE_URL="$$url" BATON_PGBOUNCER_URL="$$bouncer" && \
	swift test --skip ThreeClustersTests --skip BenchCommandTests --skip BatonFaultTests --skip WaitingTests \
		--skip ListenTests --skip PgBouncerTests --skip ConnectTimeoutTests --skip MetricsCommandTests \
		--skip DashboardCommandTests --skip MonitorCommandTests && \
	swift test --filter 'WaitingTests|ListenTests|PgBouncerTests|ConnectTimeoutTests' && \
	swift test --filter 'ThreeClustersTests|BenchCommandTests|MetricsCommandTests|DashboardCommandTests|MonitorCommandTests'

# The private database may be restarted by the fault tests; a configured one never is.
test-faults: build ## Kill clusters, restart PostgreSQL, time tasks out: nothing may be lost.
	@private=$$([ -z "$$BATON_DATABASE_URL$$DATABASE_URL$$PGHOST" ] && echo 1 || true); \
	url=$$($(DB) url) && export BATON_DATABASE_URL="$$url" BATON_PRIVATE_DATABASE="$$private" && \
	swift test --no-parallel --filter BatonFaultTests

# Both cores kept busy by two shell loops while the fault suite runs: it must pass on a loaded machine too.
test-faults-busy: build ## The fault suite with both cores kept busy.
	@scripts/busy $(MAKE) --no-print-directory test-faults

# Two seeds of CHAOS_DURATION seconds each unless CHAOS_SEEDS names them; a run prints its seed
# and schedule, and the same seed replays the same schedule.
test-chaos: build ## Random faults under a hostile workload; invariants checked from the database.
	@private=$$([ -z "$$BATON_DATABASE_URL$$DATABASE_URL$$PGHOST" ] && echo 1 || true); \
	url=$$($(DB) url) && export BATON_DATABASE_URL="$$url" BATON_PRIVATE_DATABASE="$$private" && \
	for seed in $${CHAOS_SEEDS:-$$RANDOM$$RANDOM $$RANDOM$$RANDOM}; do \
		.build/debug/baton-chaos --seed $$seed --duration $${CHAOS_DURATION:-60} $(CHAOS_ARGS) || exit 1; \
	done

# Installs chromium, chromium-driver (apt-get, as root) and selenium (pip) when missing.
test-browser: build ## The dashboard in headless Chromium: pages, actions, live updates; screenshots in .build/screenshots.
	@scripts/browser-test

demo: build ## Run django-q's chain example in Swift on a cluster; prints [-1.0, 1].
	@scripts/demo

bench: setup ## Build in release mode and run baton bench --baseline (see docs/performance.md).
	swift build -c release --product baton
	@url=$$($(DB) url) && BATON_DATABASE_URL="$$url" .build/release/baton bench --baseline $(BENCH_ARGS)

db: ## Start the private PostgreSQL (or name the configured one) and print its URL.
	@$(DB) start

db-stop: ## Stop the private PostgreSQL (and its PgBouncer); its data stays in .baton/.
	-@scripts/pgbouncer stop
	@$(DB) stop

migrate: build ## Apply the schema migrations to the database.
	@url=$$($(DB) url) && BATON_DATABASE_URL="$$url" $(BATON) migrate

clean: ## Stop the private PostgreSQL and remove it and the build folder.
	-@scripts/pgbouncer stop 2>/dev/null
	-@$(DB) stop 2>/dev/null
	rm -rf .build .baton
