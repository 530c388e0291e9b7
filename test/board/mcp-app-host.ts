/// <reference lib="dom" />
/**
 * A minimal MCP Apps host page for test/board/mcp-app.test.ts, bundled by the test with Vite: it puts the UI
 * resource's HTML in a sandboxed frame under the extension's default CSP (no network at all) and connects
 * ext-apps' AppBridge to it. The bridge's tool calls go to `window.hostCallTool`, which the test binds to a
 * real MCP client of `bindery mcp`.
 */
import type { CallToolRequest, CallToolResult } from '@modelcontextprotocol/client';
import { AppBridge, PostMessageTransport } from '@modelcontextprotocol/ext-apps/app-bridge';

declare global {
  interface Window {
    hostCallTool(params: CallToolRequest['params']): Promise<CallToolResult>;
    showApp(html: string, toolInput: Record<string, unknown>, toolResult: CallToolResult): Promise<void>;
  }
}

/** The MCP Apps default for a resource that declares no domains: inline script and style, nothing fetched. */
const CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'none'";

window.showApp = async (html, toolInput, toolResult) => {
  const frame = document.createElement('iframe');
  frame.sandbox.add('allow-scripts');
  frame.title = 'Bindery board';
  document.body.append(frame);
  const bridge = new AppBridge(
    null,
    { name: 'test-host', version: '1.0.0' },
    { serverTools: {}, logging: {} },
    { hostContext: { theme: 'light', displayMode: 'inline' } },
  );
  bridge.oncalltool = (params) => window.hostCallTool(params);
  bridge.addEventListener('initialized', () => {
    void bridge.sendToolInput({ arguments: toolInput });
    void bridge.sendToolResult(toolResult);
  });
  const view = frame.contentWindow!;
  await bridge.connect(new PostMessageTransport(view, view));
  frame.srcdoc = html.replace('<head>', `<head><meta http-equiv="Content-Security-Policy" content="${CSP}">`);
};
