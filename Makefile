# Inkwell — the two commands that matter:
#   make run    serve the app on its embedded defaults (SQLite, in-process cache, local folder)
#   make test   run the whole test suite (MariaDB/Redis-backed tests run when MYSQL_*/TEST_REDIS_URL are set)
GO ?= go
BIN := bin

.PHONY: run test test-e2e screenshots build vet bee docs migrate-mysql clean

run: build
	$(BIN)/inkwell serve

build:
	$(GO) build -o $(BIN)/inkwell .

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

test: vet test-e2e
	$(GO) test -count=1 -p 2 ./...

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
	$(BIN)/bee generate routers -ctrlDir=controllers -routersFile=routers/commentsRouter.go -routersPkg=routers
	gofmt -w routers/commentsRouter.go
	$(BIN)/bee generate docs

# Apply the migrations to MySQL with bee itself (same result as `inkwell migrate up`).
migrate-mysql: bee
	$(BIN)/bee migrate -driver=mysql -conn="$(MYSQL_USER):$(MYSQL_PASSWORD)@tcp($(MYSQL_HOST):$${MYSQL_PORT:-3306})/$(MYSQL_DATABASE)"

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
