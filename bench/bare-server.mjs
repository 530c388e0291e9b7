// The HTTP floor: a bare Fastify server answering a fixed JSON body of a given size on every route.
import Fastify from 'fastify';

const size = Number(process.env.BARE_BODY_BYTES ?? 500);
const body = { id: '00000000-0000-4000-8000-000000000000', padding: 'x'.repeat(Math.max(0, size - 60)) };
const app = Fastify({ logger: false });
app.all('/*', async () => body);
app.listen({ host: '127.0.0.1', port: 0 }).then((address) => {
  process.stderr.write(`bare listening ${address}\n`);
});
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
