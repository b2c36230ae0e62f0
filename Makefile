# Conventional targets wrapping the npm scripts (package.json is the source of truth).
.PHONY: all build deps test lint typecheck server bench clean clean-deps

all: build

node_modules: package.json package-lock.json
	npm ci
	@touch node_modules

deps: node_modules

build: node_modules
	npm run build

test: node_modules
	npm test

lint: node_modules
	npm run typecheck
	npm run lint

typecheck: node_modules
	npm run typecheck

server: node_modules
	npm start

bench: node_modules
	npm run bench

clean:
	npm run clean

clean-deps: clean
	rm -rf node_modules
