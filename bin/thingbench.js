#!/usr/bin/env node
// The `thingbench` command: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../engine/host/cli.ts');
process.exitCode = await main(process.argv.slice(2));
