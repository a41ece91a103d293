# Inkwell's image: one static binary (the PWA and Swagger assets are embedded
# in it with go:embed) on distroless, running as an unprivileged user.
#   tag=$(deploy/image-tag.sh)
#   docker build --build-arg VERSION=$tag --build-arg COMMIT=$(git rev-parse HEAD) -t inkwell:$tag .
#   docker run --rm -p 8080:8080 inkwell:$tag                # serve (SQLite in /app/data)
#   docker run --rm --env-file prod.env inkwell:$tag migrate up  # the migration Job

# The base images are build arguments so a build can pin them by digest
# (GO_IMAGE=golang:1.26-bookworm@sha256:..., see docs/deploy.md "Base images")
# or use local stand-ins (the CI cluster step has no registry). The Go
# version here must match go.mod's (deploy/manifests checks it).
ARG GO_IMAGE=golang:1.26-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot

FROM ${GO_IMAGE} AS build
WORKDIR /src
# Modules first: this layer is reused until go.mod/go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO off: a static binary that needs no libc (the SQLite driver is pure Go).
# The app is built by path, not ./...: database/migrations is bee's own main package.
# (No BuildKit-only syntax: `minikube image build` may use the classic builder.)
# VERSION (deploy/image-tag.sh, also the image tag) and COMMIT end up in the
# binary (`inkwell version`) and in the image labels.
ARG VERSION=dev
ARG COMMIT=unknown
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath \
      -ldflags="-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" -o /out/inkwell . \
 && mkdir -p /out/data

# distroless/static: CA certificates, tzdata, /etc/passwd with "nonroot"
# (65532), no shell, no package manager.
FROM ${RUNTIME_IMAGE}
ARG VERSION=dev
ARG COMMIT=unknown
LABEL org.opencontainers.image.title="inkwell" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}"
WORKDIR /app
COPY --from=build /out/inkwell /app/inkwell
COPY conf/ /app/conf/
# The SQLite default and the local media folder live here; Kubernetes mounts
# an emptyDir over it because the root filesystem is read-only there.
COPY --from=build --chown=65532:65532 /out/data /app/data
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/app/inkwell"]
CMD ["serve"]
