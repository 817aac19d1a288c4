// Argument parsing and dispatch for `signet-sop`, the Stateless OpenPGP
// command line (draft-dkg-openpgp-stateless-cli-16) over this package.
// Syntax: signet-sop [--debug] SUBCOMMAND [OPTIONS...] [--] [ARGS...]
import { SopError, EXIT } from './errors.js';
import { COMMANDS, UNSERVED } from './commands.js';

/**
 * Parses a subcommand's arguments against its spec: `flags` (booleans),
 * `values` (one value) and `lists` (repeatable). `--opt=value` and
 * `--opt value` both work; `--` ends the options.
 */
export function parseArgs(argv, spec) {
  const opts = {};
  const args = [];
  for (const f of spec.flags ?? []) opts[f] = false;
  for (const l of spec.lists ?? []) opts[l] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '-') {
      args.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const isFlag = spec.flags?.includes(name);
    const isValue = spec.values?.includes(name) || spec.lists?.includes(name);
    if (!isFlag && !isValue) throw new SopError('UNSUPPORTED_OPTION', `unsupported option --${name}`);
    if (isFlag) {
      if (eq >= 0) throw new SopError('UNSUPPORTED_OPTION', `--${name} takes no value`);
      opts[name] = true;
      continue;
    }
    let value;
    if (eq >= 0) value = a.slice(eq + 1);
    else if (i + 1 < argv.length) value = argv[++i];
    else throw new SopError('MISSING_ARG', `--${name} needs a value`);
    if (spec.lists?.includes(name)) opts[name].push(value);
    else if (name in opts) throw new SopError('INCOMPATIBLE_OPTIONS', `--${name} given twice`);
    else opts[name] = value;
  }
  return { opts, args };
}

const USAGE = `Usage: signet-sop SUBCOMMAND [OPTIONS] [--] [ARGS]
Stateless OpenPGP (draft-dkg-openpgp-stateless-cli-16) over signet-crypto.
Subcommands: ${Object.keys(COMMANDS).join(', ')}.
Not served (exit 69): ${Object.keys(UNSERVED).join(', ')}.
See docs/sop.md.
`;

/**
 * Runs one invocation; resolves to the exit code. Errors go to stderr as one
 * line naming the SOP failure.
 */
export async function main(argv, { stderr = process.stderr } = {}) {
  const rest = argv.filter((a, i) => !(a === '--debug' && i === 0));
  const debug = rest.length !== argv.length;
  const [sub, ...args] = rest;
  try {
    if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
      stderr.write(USAGE);
      return sub === undefined ? EXIT.MISSING_ARG : EXIT.OK;
    }
    if (UNSERVED[sub]) throw new SopError('UNSUPPORTED_SUBCOMMAND', `${sub}: ${UNSERVED[sub]}`);
    const cmd = COMMANDS[sub];
    if (!cmd) throw new SopError('UNSUPPORTED_SUBCOMMAND', `unknown subcommand "${sub}"`);
    const { opts, args: positional } = parseArgs(args, cmd.spec);
    await cmd.run(opts, positional);
    return EXIT.OK;
  } catch (e) {
    const err = e instanceof SopError ? e : new SopError('UNSPECIFIED_FAILURE', e?.stack ?? String(e));
    stderr.write(`signet-sop: ${sub ?? ''}: ${err.sop} (${err.exit}): ${err.message}\n`);
    if (debug && e?.stack) stderr.write(`${e.stack}\n`);
    return err.exit;
  }
}
