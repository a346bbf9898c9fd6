#!/usr/bin/env node
// The `thingbench` command: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';

// The engine's own AWS SDK clients (lab checks, scenario steps) are pinned to versions that support this Node: their
// notice about future releases needing a newer Node is noise on every command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../engine/host/cli.ts');
process.exitCode = await main(process.argv.slice(2));
