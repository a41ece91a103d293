# Inkwell's image: one static binary (the PWA and Swagger assets are embedded
# in it with go:embed) on distroless, running as an unprivileged user.
#   docker build -t inkwell:local .
#   docker run --rm -p 8080:8080 inkwell:local               # serve (SQLite in /app/data)
#   docker run --rm --env-file prod.env inkwell:local migrate up  # the migration Job

FROM golang:1.26-bookworm AS build
WORKDIR /src
# Modules first: this layer is reused until go.mod/go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO off: a static binary that needs no libc (the SQLite driver is pure Go).
# The app is built by path, not ./...: database/migrations is bee's own main package.
# (No BuildKit-only syntax: `minikube image build` may use the classic builder.)
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/inkwell . \
 && mkdir -p /out/data

# distroless/static: CA certificates, tzdata, /etc/passwd with "nonroot"
# (65532), no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
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
