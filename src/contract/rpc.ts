/**
 * JSON-RPC 2.0 error codes, declared once for every JSON-RPC speaker in Bindery: the server's /rpc, the MCP
 * transports and the error catalogue (errors.ts), which maps application errors into -32000…-32099.
 */
export const RPC_PARSE_ERROR = -32700;
export const RPC_INVALID_REQUEST = -32600;
export const RPC_METHOD_NOT_FOUND = -32601;
export const RPC_INVALID_PARAMS = -32602;
export const RPC_INTERNAL_ERROR = -32603;
/** The generic implementation-defined server error. */
export const RPC_SERVER_ERROR = -32000;
