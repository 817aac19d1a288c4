#!/usr/bin/env node
// signet-sop: the Stateless OpenPGP command line over signet-crypto (see docs/sop.md).
import { main } from '../sop/cli.js';

// A reader that goes away (`| head`) ends us quietly, with a failure code.
process.stdout.on('error', (e) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(1);
});

process.exitCode = await main(process.argv.slice(2));
