# The cloudbench client image: the CLI that every shard's pod of `cloudbench k8s job` runs.
#   docker build -t REGISTRY/cloudbench:0.1.0 . && docker push REGISTRY/cloudbench:0.1.0
# Node 20 on Debian bookworm, as on the development machines. No browser: PDF reports are
# rendered where the shards are merged, not in the pods (puppeteer-core downloads none).
# Works with the classic builder, BuildKit, podman and buildah (no BuildKit-only syntax).

ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: all dependencies, compile src/ to dist/, then keep the production dependencies only ---
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV PUPPETEER_SKIP_DOWNLOAD=true
# Dependencies first: this layer stays cached while only the sources change. --ignore-scripts
# because the package's own prepare script compiles src/, which is not copied yet; the
# dependencies' install scripts (sharp, zeromq, esbuild: checks of their bundled prebuilt
# binaries) run in `npm rebuild` below. (`npm ci --omit=dev` alone cannot work: prepare needs
# TypeScript, a dev dependency.)
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json index.cjs ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
COPY templates ./templates
COPY app ./app
RUN npm rebuild --no-audit --no-fund \
 && npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# --- runtime: the compiled CLI, its data files and production dependencies, owned by root ---
FROM ${NODE_IMAGE} AS runtime
ENV AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
# dist/ holds the compiled code, its .built stamp (so bin/ loads dist/, never src/) and the
# bundled photos the synthetic datasets are made from (dist/datasets/photos).
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/index.cjs ./
COPY --from=build /app/scripts/entry.cjs ./scripts/entry.cjs
# The analysis' data files (pricing, platform facts, requirements, the study's reference numbers)
# and the web app's pages: read next to dist/ at run time.
COPY --from=build /app/templates ./templates
COPY --from=build /app/app/public ./app/public
# The working folder: run folders and the dataset cache (an emptyDir in the Job's pods).
RUN mkdir -p /work && chown node:node /work
WORKDIR /work
# The official image's `node` user, uid 1000: the Job's pods run as that uid (runAsUser 1000, which
# also lets the kubelet check runAsNonRoot against a named USER).
USER node
ENTRYPOINT ["node", "/app/bin/cloudbench.cjs"]
CMD ["--help"]
