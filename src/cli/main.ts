#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { BINDERY_VERSION } from '../contract/index.js';
import { serverConfig } from './config.js';
import { closeOnSignals, startServer } from './serve.js';

const USAGE = `Usage: bindery <command> [options]

Commands:
  serve     Run the Bindery server (REST, JSON-RPC) for the workspace
  --version Print the version

Run "bindery <command> --help" for the options of a command.`;

const SERVE_USAGE = `Usage: bindery serve [--port N] [--host ADDR] [--workspace DIR]

Runs the Bindery server for a workspace (default: detected from the working directory).
Settings come from the environment (BINDERY_PORT, BINDERY_HOST, BINDERY_WORKSPACE, ...); flags win.`;

class UsageError extends Error {}

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      workspace: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return;
  }
  const config = serverConfig(process.env, values);
  const server = await startServer(config, process.cwd());
  closeOnSignals(server);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case '--version':
    case '-v':
      process.stdout.write(`${BINDERY_VERSION}\n`);
      return;
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      throw new UsageError(command === undefined ? 'No command given.' : `Unknown command "${command}".`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`bindery: ${message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`bindery: ${message}\n`);
  process.exit(1);
});
