# networkflow: the dashboard and its API in one small image — Node 20's binary on plain Alpine, the server
# bundled, DuckDB's musl build. docker build -t networkflow .   then   docker run -p 8050:8050 networkflow
# (demo data) — see README ("Container") for each cloud's settings and how the size is estimated.

# ---- build: dev dependencies, TypeScript, the web bundle and the IP data; then the server bundled and the
#      production dependencies reduced to what the bundle loads (DuckDB, Plotly, the world map)
FROM node:20-alpine3.21 AS build
# binutils: `strip` for the native libraries and node itself
RUN apk add --no-cache binutils
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build \
 && node scripts/bundle-image.mjs image \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && node scripts/prune-production.mjs . \
 && strip -o /app/node /usr/local/bin/node

# ---- runtime: Alpine with the C++ runtime node and DuckDB link against; no npm, yarn or corepack (a base
#      image's files count in the image size even when a later layer deletes them), not root
FROM alpine:3.21
RUN apk add --no-cache libstdc++ \
 && addgroup -g 1000 node && adduser -u 1000 -G node -s /bin/sh -D node \
 && mkdir -p /data && chown node:node /data
ENV NODE_ENV=production \
    NETWORKFLOW_HOST=0.0.0.0 \
    NETWORKFLOW_PORT=8050 \
    NETWORKFLOW_DATA_DIR=/data \
    XDG_CACHE_HOME=/data/cache
# settings a deployment adds (never baked in): NETWORKFLOW_SOURCE or NETWORKFLOW_STORAGE_ACCOUNT +
# NETWORKFLOW_CONTAINER, NETWORKFLOW_WATCH, NETWORKFLOW_AUTH_TOKEN (or _USER/_PASSWORD); cloud credentials come
# from the platform's managed identity, task role or service account through each SDK's default chain
COPY --from=build /app/node /usr/local/bin/node
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/image ./dist
USER node
VOLUME ["/data"]
EXPOSE 8050
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.NETWORKFLOW_PORT||8050)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/cli/main.js", "dashboard"]
