/** The product version; `version.test.ts` keeps it equal to package.json's. A module, so compiled hosts need no file reads. */
export const VERSION = '0.1.0';
