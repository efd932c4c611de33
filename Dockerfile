# Veritas: a static binary on a distroless base, run as a non-root user.
#   docker build -t veritas .
#   docker run -p 8000:8000 veritas          # embedded default: SQLite in the working directory
# docker-compose.yml runs two instances on PostgreSQL and Redis behind nginx.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# modernc.org/sqlite is pure Go, so the binary needs no C library and runs on a static base.
RUN CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags="-s -w" -o /out/veritas .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/veritas /usr/local/bin/veritas
# The nonroot user (65532) owns its home: the embedded SQLite file goes there.
WORKDIR /home/nonroot
USER nonroot:nonroot
# Every interface of the container: the server then needs VERITAS_API_KEYS (or _FILE), or
# VERITAS_ALLOW_OPEN=1 when only a proxy on a private network reaches it (docker-compose.yml).
ENV VERITAS_ADDR=0.0.0.0:8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["/usr/local/bin/veritas", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/veritas"]
