# syntax=docker/dockerfile:1
# The coldtrail chaincode as a chaincode-as-a-service image (Fabric >= 2.4 ccaas builder), on Node 22.
# Build from the repository root (the context holds the workspaces the bundle is made of):
#   docker build -f deploy/fabric/chaincode.Dockerfile -t coldtrail_ccaas_image:latest .
# Run (the peer dials CHAINCODE_SERVER_ADDRESS as named in connection.json; CHAINCODE_ID is the package id):
#   docker run -e CHAINCODE_ID=coldtrail_1.0:<hash> -e CHAINCODE_SERVER_ADDRESS=0.0.0.0:9999 coldtrail_ccaas_image
# The built-in Node builder of Fabric 2.5 is not supported: see deploy/fabric/README.md.

# --- build: tsc + rolldown give ledger-sync/chaincode/dist/chaincode.cjs, npm pack puts it in a tarball -------
FROM node:22-bookworm AS build
WORKDIR /src
# Every workspace's manifest, so `npm ci` can check the lock file against the whole workspace tree.
COPY package.json package-lock.json tsconfig.base.json ./
COPY core/package.json core/
COPY firmware-sim/package.json firmware-sim/
COPY agent/package.json agent/
COPY broker/package.json broker/
COPY ledger-sync/package.json ledger-sync/
COPY ledger-sync/chaincode/package.json ledger-sync/chaincode/
COPY cli/package.json cli/
# --ignore-scripts: the root `prepare` would build every workspace before their sources are here, and the
# native modules of the other services (better-sqlite3, serialport) are not part of the chaincode.
RUN npm ci --ignore-scripts --no-audit --no-fund
# The chaincode and what it inlines (@coldtrail/core), nothing else.
COPY core/ core/
COPY ledger-sync/chaincode/ ledger-sync/chaincode/
RUN npx tsc -b ledger-sync/chaincode \
 && npm run build --workspace @coldtrail/chaincode \
 && mkdir /out \
 && npm pack --workspace @coldtrail/chaincode --ignore-scripts --pack-destination /out

# --- runtime: the packed package (package.json, README.md, dist/chaincode.cjs) + its two fabric dependencies ---
FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    CHAINCODE_SERVER_ADDRESS=0.0.0.0:9999 \
    CORE_CHAINCODE_LOGGING_LEVEL=INFO
WORKDIR /chaincode
COPY --from=build /out/ /tmp/pack/
# As ledger-sync/chaincode/README.md deploys it: unpack, then install only fabric-contract-api and fabric-shim
# (~2.5.8) with their dependencies; the package's overrides pin class-transformer to 0.4.0.
RUN tar -xzf /tmp/pack/coldtrail-chaincode-*.tgz --strip-components=1 -C /chaincode \
 && rm -rf /tmp/pack \
 && npm install --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force
USER node
EXPOSE 9999
# The package's `start` script, without npm in between (npm as PID 1 would not forward SIGTERM).
CMD ["sh", "-c", "exec node_modules/.bin/fabric-chaincode-node server --chaincode-address=$CHAINCODE_SERVER_ADDRESS --chaincode-id=$CHAINCODE_ID"]
