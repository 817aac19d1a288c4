#!/usr/bin/env node
// signet-sop: the Stateless OpenPGP command line over signet-crypto (see docs/sop.md).
import { main } from '../sop/cli.js';

process.exitCode = await main(process.argv.slice(2));
