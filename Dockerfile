# Builds the web UI, then the three binaries (the API embeds the UI) in one
# image; docker-compose.yml runs the API and the worker from it. Mirrors
# `make build`.
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
COPY api/swagger.json /src/api/swagger.json
RUN npx vite build

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=web /src/web/dist/app ./web/dist/app
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
