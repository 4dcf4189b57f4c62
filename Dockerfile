# cost-events container image: compiled and installed with the full Node image, run on the slim one.
#
#   docker build -t cost-events:0.2.0 --build-arg REVISION="$(git rev-parse HEAD)" .
#   docker run --rm -p 9090:9090 --read-only -v cost-events-data:/data cost-events:0.2.0
#
# Every stage uses the same Node release on the same Debian (bookworm, glibc 2.36): the
# better-sqlite3 addon compiled in `deps` is loaded in `runtime`, so both must agree on the Node
# ABI (NODE_MODULE_VERSION) and on libc. Tags are pinned to the exact Node release; pin the
# digests too (`node:20.20.2-bookworm-slim@sha256:…`) where builds must be reproducible.

# The commit being built (--build-arg REVISION="$(git rev-parse HEAD)"): the image's revision label,
# and GIT_COMMIT for the build's own record of it, as the context has no .git.
ARG REVISION=""

# Production dependencies only, installed where build tools exist: better-sqlite3 fetches a
# prebuilt addon or compiles one with this image's python3, make and g++.
FROM node:20.20.2-bookworm AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# The compiler and its dev dependencies; only dist/ leaves this stage.
FROM node:20.20.2-bookworm AS build
ARG REVISION
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY ui ./ui
# The build bundles client-node's KubeConfig without its generated API clients (dist/vendor/).
COPY scripts/bundle-kube-client.ts ./scripts/
# dist/.tsbuildinfo only speeds up the next local build; the image has no next build.
RUN GIT_COMMIT="${REVISION}" npm run build && rm dist/.tsbuildinfo

FROM node:20.20.2-bookworm-slim AS runtime
ARG VERSION=0.2.0
ARG REVISION
LABEL org.opencontainers.image.title="cost-events" \
      org.opencontainers.image.description="Kubecost-compatible ETL event log and Cost Events Audit API" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/node:20.20.2-bookworm-slim"
# The SQLite file lives on the data volume: the only place the server writes, so the root file
# system can be read-only (`docker run --read-only`, Kubernetes readOnlyRootFilesystem).
ENV NODE_ENV=production \
    STORAGE_URL=sqlite:/data/cost-events.db
# A numeric non-root user, so Kubernetes can check runAsNonRoot; npm, npx, corepack and yarn are
# removed because nothing runs them here and each brings its own dependency tree.
RUN groupadd --system --gid 10001 cost-events \
 && useradd --system --uid 10001 --gid cost-events --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin cost-events \
 && mkdir /data && chown 10001:10001 /data \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /opt/yarn-* \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg
WORKDIR /app
# Owned by root and not writable by the server's user.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY --chmod=0755 scripts/container-start.sh ./
USER 10001:10001
VOLUME ["/data"]
EXPOSE 9090
# No curl in the slim image: Node's own fetch asks /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 9090) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node runs as PID 1, with no tini: main.ts handles SIGTERM and SIGINT itself (stop accepting,
# finish in-flight requests, flush, exit 0), and the server starts no child processes, so there
# are no zombies to reap. The entrypoint sizes the heap from the container's memory limit
# (--max-old-space-size = 60% of it, see the script) and then execs the command, so no shell stays
# between the signal and Node; the exec forms keep one from starting at all.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/container-start.sh"]
CMD ["node", "dist/main.js"]
