# networkflow: the dashboard and its API in one small image (Node 20 on Alpine; DuckDB's musl build).
# docker build -t networkflow .   then   docker run -p 8050:8050 networkflow   (demo data) — see README.

# ---- build: dev dependencies, TypeScript and the web bundle; then production dependencies only, trimmed
FROM node:20-alpine AS build
# binutils: `strip` for the native libraries (prune-production.mjs)
RUN apk add --no-cache binutils
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && node scripts/prune-production.mjs .

# ---- runtime: no compilers, no npm cache, no dev dependencies, not root
FROM node:20-alpine
ENV NODE_ENV=production \
    NETWORKFLOW_HOST=0.0.0.0 \
    NETWORKFLOW_PORT=8050 \
    NETWORKFLOW_DATA_DIR=/data \
    XDG_CACHE_HOME=/data/cache
# settings a deployment adds (never baked in): NETWORKFLOW_SOURCE or NETWORKFLOW_STORAGE_ACCOUNT +
# NETWORKFLOW_CONTAINER, NETWORKFLOW_WATCH, NETWORKFLOW_AUTH_TOKEN (or _USER/_PASSWORD); cloud credentials come
# from the platform's managed identity, task role or service account through each SDK's default chain
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data && rm -rf /usr/local/lib/node_modules/npm /usr/local/bin/npm /usr/local/bin/npx /opt/yarn-* /usr/local/bin/yarn /usr/local/bin/yarnpkg
USER node
VOLUME ["/data"]
EXPOSE 8050
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.NETWORKFLOW_PORT||8050)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/cli/main.js", "dashboard"]
