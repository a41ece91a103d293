# Inkwell — the two commands that matter:
#   make run    serve the app on its embedded defaults (SQLite, in-process cache, local folder),
#               with the development sign-in on (the binary's own default is off; prod refuses it)
#   make test   run the whole test suite (MariaDB/Redis-backed tests run when MYSQL_*/TEST_REDIS_URL are set)
GO ?= go
BIN := bin

.PHONY: run test test-e2e fuzz test-collab-js ot-oracle screenshots build vet lint bee docs migrate-mysql clean bench-live

# AUTH_DEV_LOGIN=true makes the first run usable without a Google client id:
# sign in with any name (README "Run it"). Set AUTH_DEV_LOGIN=false to try
# Google sign-in only.
AUTH_DEV_LOGIN ?= true
run: build
	AUTH_DEV_LOGIN=$(AUTH_DEV_LOGIN) $(BIN)/inkwell serve

build:
	$(GO) build -o $(BIN)/inkwell .

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

test: vet lint test-e2e test-collab-js
	$(GO) test -count=1 -p 2 ./...
	$(MAKE) fuzz

# The fuzz targets for a fixed time each (go test -fuzz takes one target at
# a time; `go test` alone runs only their seed corpora): the renderer stays
# within its bounds or refuses (markdown/fuzz_test.go), and the co-editing
# OT port keeps its transform and compose properties (ot/). FUZZTIME longer
# when working on either.
FUZZTIME ?= 15s
fuzz:
	$(GO) test ./markdown -run '^$$' -fuzz '^FuzzRender$$' -fuzztime=$(FUZZTIME)
	$(GO) test ./ot/ -run '^$$' -fuzz '^FuzzTransform$$' -fuzztime=$(FUZZTIME) -parallel 2
	$(GO) test ./ot/ -run '^$$' -fuzz '^FuzzCompose$$' -fuzztime=$(FUZZTIME) -parallel 2

# The browser's co-editing module (pwa/app/static/collab.js) against the npm
# ot-text-unicode package: the same fixtures as ot/, and editors converging.
test-collab-js: ot-oracle
	cd ot/testdata/oracle && node --test test/

# The npm ot-text-unicode package, the oracle of ot/'s differential test
# (installed from the lock file, like e2e's packages).
ot-oracle: ot/testdata/oracle/node_modules/.installed
ot/testdata/oracle/node_modules/.installed: ot/testdata/oracle/package.json ot/testdata/oracle/package-lock.json
	cd ot/testdata/oracle && npm ci --no-audit --no-fund
	touch $@

# golangci-lint (version pinned in tools/golangci-lint/go.mod, a module of
# its own so its dependencies touch neither go.mod nor bee's); the checks
# and the few justified exclusions are in .golangci.yml. Zero findings.
lint: $(BIN)/golangci-lint
	$(BIN)/golangci-lint run ./...
$(BIN)/golangci-lint: tools/golangci-lint/go.mod tools/golangci-lint/go.sum
	cd tools/golangci-lint && $(GO) build -o ../../$(BIN)/golangci-lint github.com/golangci/golangci-lint/v2/cmd/golangci-lint

# The PWA in headless Debian Chromium (playwright-core from npm, no browser
# download) against the freshly built binary; see docs/pwa.md.
test-e2e: build e2e/node_modules/.installed
	cd e2e && node --test --test-concurrency=1 tests/

# Refresh the committed phone-size screenshots in docs/screenshots/.
screenshots: build e2e/node_modules/.installed
	cd e2e && SCREENSHOT_DIR=docs/screenshots node --test --test-concurrency=1 tests/

e2e/node_modules/.installed: e2e/package.json e2e/package-lock.json
	cd e2e && npm ci --no-audit --no-fund
	touch $@

# bee v2.3.0 from the separate tools module (its dependencies stay out of go.mod).
bee: $(BIN)/bee
$(BIN)/bee: tools/go.mod tools/go.sum
	cd tools && $(GO) build -o ../$(BIN)/bee github.com/beego/bee/v2

# Regenerate the annotation routes and swagger/ from the controllers' comments
# (tests/swagger_test.go fails when the committed files are stale).
docs: bee
	$(BIN)/bee generate routers -ctrlDir=controllers -routersFile=routers/annotated_routes.go -routersPkg=routers
	gofmt -w routers/annotated_routes.go
	$(BIN)/bee generate docs

# Apply the migrations to MySQL with bee itself (same result as `inkwell migrate up`).
migrate-mysql: bee
	$(BIN)/bee migrate -driver=mysql -conn="$(MYSQL_USER):$(MYSQL_PASSWORD)@tcp($(MYSQL_HOST):$${MYSQL_PORT:-3306})/$(MYSQL_DATABASE)"

# The live co-editing measurement (docs/live.md, "Figures"): two replicas,
# 20 socket editors, 60 s; needs MariaDB and TEST_REDIS_URL like the tests.
bench-live:
	LIVE_BENCH=1 $(GO) test ./bench/ -run TestLiveLatency -count=1 -v -timeout 10m

clean:
	rm -rf $(BIN)

# Deployment (docs/deploy.md).
.PHONY: minikube-up deploy-check cluster-check
# Build the image into a running Minikube, apply k8s/overlays/minikube, wait, print the URL.
minikube-up:
	deploy/minikube-up.sh
# The cluster-free checks CI runs: haproxy -c without warnings, typed manifest
# tests, and a kube-apiserver server-side dry run of every overlay.
deploy-check:
	.ci/steps/deploy-checks.sh
# The real single-node Kubernetes step of CI, forced on (root; about 7 min warm):
# image from the Dockerfile, cluster up, TestRealCluster, teardown.
cluster-check:
	INKWELL_CLUSTER_CI=on .ci/steps/cluster.sh
