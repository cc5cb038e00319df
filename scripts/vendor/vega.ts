// Entry of dist/vendor/vega.cjs (scripts/build-vendor.ts): the report's chart engines as one file.
export * as vega from 'vega';
export { compile } from 'vega-lite';
