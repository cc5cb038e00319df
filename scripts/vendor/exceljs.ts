// Entry of dist/vendor/exceljs.mjs (scripts/build-vendor.ts): the report's workbook writer as one file.
export { default } from 'exceljs';
