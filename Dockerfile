# syntax=docker/dockerfile:1
# Node 26 is the current LTS line; Node 20 (what the development machines and CI run) left upstream support in April 2026. Only Node 20 is tested here.
# Build stage: dev dependencies, compile TypeScript, compile better-sqlite3 when no prebuilt binary fits.
FROM node:26-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# src holds the web console and its Vite config too: `npm ci` runs prepare → build, which builds dist/console.
COPY src ./src
COPY bin ./bin
RUN npm ci && npm prune --omit=dev

# Run stage: production dependencies only, non-root, data in a volume.
FROM node:26-bookworm-slim
# The config file is optional: mount one at /app/config/imp-bridge.yaml or use IMP_BRIDGE_* variables.
ENV NODE_ENV=production \
    IMP_BRIDGE_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY package.json ./
# Only the example: a real config carries secrets and is mounted at run time.
COPY config/imp-bridge.example.yaml ./config/
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8443 9090
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD ["node", "-e", "require('http').get('http://127.0.0.1:' + (process.env.IMP_BRIDGE_ADMIN_PORT || 9090) + '/healthz', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
CMD ["node", "dist/main.js"]
