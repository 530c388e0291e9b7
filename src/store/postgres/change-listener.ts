import pg from 'pg';
import { CHANGES_CHANNEL } from './change-log.js';

const RECONNECT_MS = 1_000;

/**
 * LISTENs for the change log's NOTIFY on a connection of its own (a pooled one would be handed to other
 * queries), so a write committed by another server on the same database wakes this one's feed. The
 * notification only wakes: what changed is read from the log. A lost connection is reopened, and the
 * reopening wakes the feed too, since notifications sent meanwhile were missed.
 */
export class PgChangeListener {
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly onChange: () => void,
  ) {}

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'bindery-listen' });
    client.on('error', () => this.reconnect(client));
    client.on('end', () => this.reconnect(client));
    try {
      await client.connect();
      const schema = (await client.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]?.s;
      client.on('notification', (message) => {
        if (message.channel === CHANGES_CHANNEL && message.payload === schema) this.onChange();
      });
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (error) {
      client.end().catch(() => {});
      throw error;
    }
    if (this.closed) await client.end();
    else this.client = client;
  }

  private reconnect(client: pg.Client): void {
    if (client !== this.client) return;
    this.client = undefined;
    client.end().catch(() => {});
    this.retry();
  }

  private retry(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.start().then(this.onChange, () => this.retry());
    }, RECONNECT_MS);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.client?.end().catch(() => {});
  }
}
