/**
 * The board as an MCP App (docs/mcp.md, "The board in the chat"): the UI resource `ui://bindery/board`, one
 * self-contained HTML page that `npm run build` makes from the web board (web/vite.app.config.ts). A host that
 * supports MCP Apps renders it when `show_board` is called; the page then reads and writes through the host's
 * tool calls only, so it needs no network access and declares no CSP domains.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { RESOURCE_MIME_TYPE, registerAppResource } from '@modelcontextprotocol/ext-apps/server';
import {
  type McpServer,
  ProtocolError,
  ProtocolErrorCode,
  type ReadResourceResult,
  type RegisteredResource,
} from '@modelcontextprotocol/server';
import { BOARD_URI } from './board-meta.js';

/** Both src/mcp and dist/mcp sit two levels below the package root, as for the web board (server/board.ts). */
export const BOARD_APP_FILE = fileURLToPath(new URL('../../dist/app/board.html', import.meta.url));

let page: Promise<string> | undefined;

/** The built page, read once per process; a failed read is tried again next time. */
function boardHtml(): Promise<string> {
  page ??= readFile(BOARD_APP_FILE, 'utf8').catch(() => {
    page = undefined;
    throw new ProtocolError(
      ProtocolErrorCode.InternalError,
      'The board app is not built: run `npm run build`.',
    );
  });
  return page;
}

/** A resource of fixed URI that resources/list shows and resources/read answers (resources.ts). */
export interface FixedResource {
  uri: string;
  registered: RegisteredResource;
}

/**
 * Registers `ui://bindery/board` with ext-apps' registerAppResource (the MCP Apps mime type, the listing's
 * `_meta.ui`). `prefersBorder`: the board has its own background and reads best framed.
 */
export function registerBoardApp(mcp: McpServer): FixedResource {
  const ui = { prefersBorder: true };
  const registered = registerAppResource(
    mcp,
    'board',
    BOARD_URI,
    {
      title: 'Bindery board',
      description: 'The live task board, shown by show_board in hosts that support MCP Apps.',
      _meta: { ui },
    },
    async (): Promise<ReadResourceResult> => ({
      contents: [{ uri: BOARD_URI, mimeType: RESOURCE_MIME_TYPE, text: await boardHtml(), _meta: { ui } }],
    }),
  );
  return { uri: BOARD_URI, registered };
}
