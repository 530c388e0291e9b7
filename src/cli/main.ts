#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { enableCompileCache } from './compile-cache.js';

// Each command loads its own modules when it runs: `bindery mcp` (started by every AI client launch) never
// loads Fastify, the stores or the other commands, and `bindery serve` never loads the CLI tools. The
// compile cache is on before any of them loads (this file imports nothing else of ours).
enableCompileCache();

const USAGE = `Usage: bindery <command> [options]

Commands:
  serve     Run the Bindery server (REST, JSON-RPC, MCP at /mcp) for the workspace
  mcp       Run the MCP server on stdio, for an AI client (Claude Desktop, Claude Code, Cursor, ...)
  status    Report the workspace's backend: URL, pid, version, health, store, counts
  export    Write every entity of the store as JSON Lines (backup, or to move to another store)
  import    Read a "bindery export" file into an empty store
  backup    Copy the SQLite database consistently while the server runs, and check the copy
  restore   Put a backup in place of the workspace's database (server stopped)
  doctor    Check the machine, settings, store and backend, and say how to fix what is wrong
  token     Create, list and revoke named access tokens (scopes read, write, admin; optional projects)
  --version Print the version

Run "bindery <command> --help" for the options of a command.`;

const SERVE_USAGE = `Usage: bindery serve [--port N] [--host ADDR] [--workspace DIR] [--managed]

Runs the Bindery server for a workspace (default: detected from the working directory).
Settings come from the environment (BINDERY_PORT, BINDERY_HOST, BINDERY_WORKSPACE, ...); flags win.
--managed is set by "bindery mcp": the server stops once no MCP process uses it (BINDERY_IDLE_GRACE_S).`;

class UsageError extends Error {}

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      workspace: { type: 'string' },
      managed: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return;
  }
  const { mcpSettings, serverConfig } = await import('./config.js');
  const { closeOnSignals, startServer } = await import('./serve.js');
  const config = serverConfig(process.env, values);
  const server = await startServer(config, process.cwd(), {
    managed: values.managed === true,
    mcp: mcpSettings(process.env),
  });
  closeOnSignals(server);
}

async function mcp(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  });
  const { MCP_USAGE, runMcp } = await import('./mcp.js');
  if (values.help) {
    process.stdout.write(`${MCP_USAGE}\n`);
    return;
  }
  await runMcp(process.env);
  // Exit now that stdin is closed and logs are flushed, whatever timers a library still holds.
  process.exit(0);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'status':
      return (await import('./status.js')).status(rest);
    case 'export':
      return (await import('./export.js')).exportCommand(rest);
    case 'import':
      return (await import('./import.js')).importCommand(rest);
    case 'backup':
      return (await import('./backup.js')).backupCommand(rest);
    case 'restore':
      return (await import('./backup.js')).restoreCommand(rest);
    case 'doctor':
      return (await import('./doctor.js')).doctor(rest);
    case 'mcp':
      return mcp(rest);
    case 'token':
      return (await import('./token.js')).tokenCommand(rest);
    case '--version':
    case '-v':
      process.stdout.write(`${(await import('../contract/version.js')).BINDERY_VERSION}\n`);
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
