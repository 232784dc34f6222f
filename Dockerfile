# The Ledgerline image for the distributed mode (docker-compose.yml): one image, the command picks
# the role (ingest, process, api).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY . .
# `npm install` runs `prepare` (the TypeScript build); then only what runs is kept.
# The dashboards are built and served by the embedded `run`; the distributed image leaves them out.
RUN SKIP_DASHBOARDS=1 npm install --no-audit --no-fund && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production LEDGERLINE_HOST=0.0.0.0
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./
COPY --from=build /app/store/migrations ./store/migrations
COPY --from=build /app/fixtures ./fixtures
# The model registry's files (LEDGERLINE_MODEL_DIR in docker-compose.yml): a named volume mounted
# here takes this directory's owner.
RUN mkdir -p /var/lib/ledgerline/models && chown node:node /var/lib/ledgerline/models
USER node
ENTRYPOINT ["node", "--max-semi-space-size=64", "dist/cli/main.js"]
CMD ["--help"]
