# syntax=docker/dockerfile:1
# Multi-stage: dependencies are installed in a build stage (with the toolchain native modules
# may need); the runtime stage carries only the app, its production dependencies and no root.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ libturbojpeg0-dev ca-certificates \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# npm ci's postinstall builds the native JPEG decoder the frame judge prefers.
COPY scripts/build-native.mjs ./scripts/
COPY native/scaled-jpeg.c ./native/
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# kcat only for the embedded Kafka (KAFKA_BROKERS unset); tini reaps and forwards signals.
RUN apt-get update && apt-get install -y --no-install-recommends kcat tini libturbojpeg0 ca-certificates \
  && rm -rf /var/lib/apt/lists/*
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=deps --chown=node:node /app/native ./native
COPY --chown=node:node package.json package-lock.json ./
COPY --chown=node:node bin ./bin
COPY --chown=node:node src ./src
COPY --chown=node:node sql ./sql
COPY --chown=node:node sample ./sample
RUN mkdir -p /data && chown node:node /data
USER node
ENV DATA_DIR=/data HTTP_HOST=0.0.0.0 PORT=8080
EXPOSE 8080
VOLUME ["/data"]
HEALTHCHECK --interval=15s --timeout=5s --retries=4 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/mars.js"]
CMD ["serve"]
