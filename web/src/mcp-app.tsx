/**
 * The board as an MCP App (docs/mcp.md, "The board in the chat"): the web board's model and components on
 * another transport and host. The host renders this page when the model calls show_board; the page asks
 * the server for everything through the host's tool calls (mcp-bridge.ts). There is no change feed here:
 * the board reads everything again every POLL_MS while it is visible, after the host delivers a new
 * show_board input, and after the person's own edits (as the web board does).
 */
import { App as McpApp } from '@modelcontextprotocol/ext-apps';
import { render } from 'preact';
import { setTransport } from './api.js';
import { App } from './app.js';
import { bridgeTransport } from './mcp-bridge.js';
import { type BoardHost, type Filters, model } from './model.js';
import './style.css';

/** How often the board re-reads the server while shown. */
export const POLL_MS = 5000;

const app = new McpApp({ name: 'Bindery board', version: '1.0.0' }, {});

/** show_board's arguments are the board's filters (src/mcp/tools/board.ts). */
function filtersOf(args: Record<string, unknown> = {}): Partial<Filters> {
  const text = (key: string) => (typeof args[key] === 'string' ? (args[key] as string) : '');
  return {
    project: text('project_id'),
    priority: text('priority'),
    role: text('role'),
    tag: text('tag'),
    q: text('q'),
    cancelled: args.cancelled === true,
  };
}

const appHost: BoardHost = {
  // The host owns the address; the filters live in the page only.
  keepFilters: () => {},
  follow(board) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = async () => {
      if (document.visibilityState === 'visible') {
        board.setFeedState((await board.reload()) ? 'live' : 'reconnecting');
      }
      // One timer, however many refreshes overlapped.
      clearTimeout(timer);
      timer = setTimeout(() => void refresh(), POLL_MS);
    };
    app.ontoolinput = ({ arguments: args }) => {
      board.setFilters(filtersOf(args), true);
      void refresh();
    };
    document.addEventListener('visibilitychange', () => void refresh());
    app.connect().then(
      () => void refresh(),
      (error: unknown) => board.fail(error),
    );
    return { retry: () => void refresh() };
  },
};

setTransport(bridgeTransport(app));
model.start(appHost);
render(<App />, document.getElementById('app')!);
