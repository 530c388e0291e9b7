import { performance } from 'node:perf_hooks';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { BinderyError, fieldIssues, validatedAgainst } from '../contract/index.js';
import type { Logger } from '../runtime/logger.js';
import { traced } from '../runtime/tracing.js';
import { inParamTerms, toolError } from './errors.js';
import { type InputSecurity, prepareArguments } from './params.js';
import type { Tool, ToolContext } from './tools/define.js';

export interface CallOptions extends ToolContext {
  security: InputSecurity;
  logger: Logger;
  production: boolean;
  includeMetrics: boolean;
}

/**
 * One tool call, start to end: arguments checked, the operation run, its answer checked against the
 * advertised output schema (a client validates it too, and would otherwise throw instead of showing a
 * result), and every failure turned into a structured error result. Never throws.
 */
export function callTool(tool: Tool, raw: unknown, options: CallOptions): Promise<CallToolResult> {
  return traced(`tool ${tool.name}`, { 'mcp.tool': tool.name }, () => runTool(tool, raw, options));
}

async function runTool(tool: Tool, raw: unknown, options: CallOptions): Promise<CallToolResult> {
  const started = performance.now();
  let structured: Record<string, unknown>;
  let isError = false;
  try {
    const args = prepareArguments(tool, raw, options.security, options.logger);
    const output = await tool.run(args, options).catch((error: unknown) => {
      throw inParamTerms(error, tool.paramPath);
    });
    structured = checkedOutput(tool, output, options.logger);
  } catch (thrown) {
    structured = toolError(thrown, tool.name, options);
    isError = true;
  }
  if (options.includeMetrics) {
    const elapsed = Math.round((performance.now() - started) * 100) / 100;
    structured.metrics = { execution_time_ms: elapsed, operation: tool.name };
  }
  const text = !isError && tool.text ? tool.text(structured) : JSON.stringify(structured);
  return {
    content: [{ type: 'text', text }],
    structuredContent: structured,
    ...(isError ? { isError: true } : {}),
  };
}

function checkedOutput(tool: Tool, output: unknown, logger: Logger): Record<string, unknown> {
  // Validated once: the HTTP client decodes the backend's answer against the operation's output schema and
  // marks it. When that is the very schema object this tool declares (get_task: `Task` in both), the tool
  // returned that answer as it came, and `output` only adds the optional `metrics` (set after this check),
  // a second parse could not fail. Anything else (the in-process service's answers, an answer the tool
  // built or copied, a cached copy) is parsed here.
  if (validatedAgainst(output, tool.answer)) return output as Record<string, unknown>;
  const result = tool.output.safeParse(output);
  if (result.success) return result.data;
  logger.error(
    { tool: tool.name, issues: fieldIssues(result.error) },
    'tool answer does not match its schema',
  );
  throw new BinderyError('internal_error', 'The answer did not match the tool output schema.');
}
