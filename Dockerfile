# Builds the three binaries in one image; docker-compose.yml runs the API
# and the worker from it. Mirrors `make build`.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/agora-platform/agora/internal/platform/health.Version=${VERSION} -X github.com/agora-platform/agora/internal/platform/health.Commit=${COMMIT}" \
    -o /out/ ./cmd/...

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/agora --create-home agora
COPY --from=build /out/ /usr/local/bin/
USER agora
WORKDIR /var/lib/agora
ENV HTTP_ADDR=0.0.0.0:8080 FILE_STORAGE_DIR=/var/lib/agora/files LOG_FORMAT=json
EXPOSE 8080
CMD ["api"]
