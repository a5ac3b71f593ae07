# syntax=docker/dockerfile:1
#
# auth-service container image.
#
#   docker build -t auth-service .
#   docker run --init -p 8000:8000 --env-file .env auth-service
#   docker run --rm --env-file .env auth-service node dist/db/migrate.js up
#
# Three stages: `build` installs every dependency, compiles TypeScript and builds the admin
# console (static files served at /admin/), `deps` prunes that install to the production
# dependencies, and `runtime` copies just dist/, templates/, the console's build and those
# node_modules onto a slim Node LTS image that runs as an unprivileged user. Dependencies are
# used as published: nothing is patched.

# Node 24 is a long-term-support line; commander (used by the CLI) needs Node >= 22.12.
# Bump the pin deliberately (and rebuild) rather than following a moving tag.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The lockfile belongs to an npm workspace: the workspaces' package.json files must sit beside
# it for `npm ci` to accept it. The workspaces' tooling (tsup, Vite, React) is installed too:
# `npm run build` builds the SDK and, with it, the admin console.
COPY package.json package-lock.json .npmrc ./
COPY client-sdk/package.json client-sdk/
COPY admin-console/package.json admin-console/
# --ignore-scripts: nothing the build needs runs an install script, and it keeps
# third-party postinstall hooks (telemetry, binary downloads) out of the image build.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY server server
COPY db db
COPY client-sdk client-sdk
COPY admin-console admin-console
RUN npm run build

# ---------------------------------------------------------------------------
# The build stage's install less the development dependencies (the same files a fresh
# `npm ci --omit=dev` would bring, without fetching them twice).
FROM build AS deps
RUN npm prune --omit=dev --workspaces=false --no-audit --no-fund \
    && npm cache clean --force

# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="auth-service" \
      org.opencontainers.image.description="Email-based authentication service (JWT, sessions, tRPC and REST)" \
      org.opencontainers.image.licenses="MIT"

# A 16 MB young generation (V8 derives 1-2 MB from a container's memory limit): each request's
# garbage dies young instead of being copied and promoted, about 6% less CPU per read
# (docs/performance.md, "Memory"). Set NODE_OPTIONS yourself and you replace this.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=16 \
    HOST=0.0.0.0 \
    PORT=8000 \
    NPM_CONFIG_UPDATE_NOTIFIER=false

WORKDIR /app
# Application files stay owned by root and read-only to the service user: a compromised
# process cannot rewrite its own code. package.json is needed at run time ("type": "module").
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Email templates are read relative to the working directory.
COPY templates ./templates
# The admin console's static files (ADMIN_CONSOLE_DIR, relative to the working directory).
COPY --from=build /app/admin-console/dist ./admin-console/dist
# The one writable place in /app, for the compose stack's generated SECRET_KEY (a named
# volume mounted here inherits this ownership). Nothing else is written at run time.
RUN mkdir .data && chown 1000:1000 .data

# The `node` user of the official image (uid/gid 1000). Numeric, so Kubernetes can verify
# runAsNonRoot without resolving the name.
USER 1000:1000

EXPOSE 8000

# Liveness: runtimes that act on it (Swarm, autoheal) replace an unhealthy container, which
# cures a wedged process but never a database or Redis outage, so this probes /health/live
# (200 while the process serves). Readiness (/health/ready) is for whatever routes traffic:
# the Compose healthcheck, Kubernetes, Render and Railway use it. No curl in the slim image:
# Node's own fetch sends the probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/health/live', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Exec form: node is PID 1 and receives SIGTERM directly; the service reports not ready for
# SHUTDOWN_DELAY_SECONDS (5 in production) while still serving, drains in-flight requests
# (SHUTDOWN_TIMEOUT_SECONDS) and exits 0. Run with `--init` (compose: `init: true`)
# so that an init process also reaps zombies.
# Migrations: set MIGRATE_ON_START=true, or run `node dist/db/migrate.js up` once per release.
CMD ["node", "dist/server/index.js"]
