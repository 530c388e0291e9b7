/**
 * The largest MCP message a transport accepts unless MCP_MAX_MESSAGE_BYTES says otherwise (a stdio line, an
 * HTTP body). Its own module so the settings (cli/config.ts) read it without loading a transport and the SDK.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
