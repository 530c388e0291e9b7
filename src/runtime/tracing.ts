import type * as OtelApi from '@opentelemetry/api';
import { BINDERY_VERSION } from '../contract/index.js';
import { aroundMethods, onSettled } from './around-methods.js';
import type { Logger } from './logger.js';

/**
 * OpenTelemetry tracing, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set (the standard OTEL_* variables
 * configure the exporter). The OpenTelemetry packages are imported only then: with tracing off nothing of
 * them is loaded and each traced call costs one null check. Spans go out over OTLP/HTTP in batches; an
 * unreachable collector loses spans and logs a line, it never fails a request.
 */
interface Tracing {
  api: typeof OtelApi;
  tracer: OtelApi.Tracer;
  shutdown: () => Promise<void>;
}

let active: Tracing | null = null;

export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** Starts exporting spans of this process as `service` (OTEL_SERVICE_NAME wins), when the environment asks for it. */
export async function startTracing(service: string, logger: Logger, env = process.env): Promise<void> {
  if (active || !tracingEnabled(env)) return;
  const [api, sdk, otlp, resources] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  api.diag.setLogger(
    {
      error: (message) => logger.warn({ otel: message }, 'tracing export failed; spans dropped'),
      warn: () => {},
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    api.DiagLogLevel.ERROR,
  );
  const provider = new sdk.NodeTracerProvider({
    resource: resources.resourceFromAttributes({
      'service.name': env.OTEL_SERVICE_NAME || service,
      'service.version': BINDERY_VERSION,
    }),
    spanProcessors: [new sdk.BatchSpanProcessor(new otlp.OTLPTraceExporter())],
  });
  // Registers the W3C trace-context propagator and an AsyncLocalStorage context manager.
  provider.register();
  active = {
    api,
    tracer: api.trace.getTracer('bindery', BINDERY_VERSION),
    shutdown: () => provider.shutdown(),
  };
}

/** Sends the spans still buffered; call before the process exits. */
export async function stopTracing(): Promise<void> {
  const tracing = active;
  active = null;
  await tracing?.shutdown().catch(() => {});
}

type Attributes = Record<string, string | number | boolean>;

/** Runs `work` in a span (a child of the current one); a failure is recorded on the span and rethrown. */
export function traced<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  if (!active) return work();
  const { api, tracer } = active;
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Adds the current span's `traceparent` (W3C) to headers about to be sent. */
export function injectTraceContext(headers: Record<string, string>): void {
  if (active) active.api.propagation.inject(active.api.context.active(), headers);
}

/** Notes an event (a retry, say) on the current span. */
export function traceEvent(name: string, attributes?: Attributes): void {
  active?.api.trace.getActiveSpan()?.addEvent(name, attributes);
}

/** Whether spans are being recorded (tracing started). */
export function tracingActive(): boolean {
  return active !== null;
}

/**
 * Wraps every method of `target` in a span named `<kind> <method>`: the store's queries, the API's
 * operations. Returns `target` itself while tracing is off.
 */
export function traceCalls<T extends object>(target: T, kind: string): T {
  if (!active) return target;
  const { api, tracer } = active;
  return aroundMethods(target, (method) => {
    const name = `${kind} ${method}`;
    return (call) =>
      tracer.startActiveSpan(name, (span) => {
        let result: unknown;
        try {
          result = call();
        } catch (error) {
          span.end();
          throw error;
        }
        return onSettled(result, (outcome) => {
          if (!outcome.ok) {
            span.recordException(outcome.error as Error);
            span.setStatus({ code: api.SpanStatusCode.ERROR });
          }
          span.end();
        });
      });
  });
}

export interface ServerSpan {
  /** Runs `work` with this span as the current one (after the body was read, which loses the context). */
  enter(work: () => void): void;
  end(attributes: Attributes): void;
}

/** A server span continuing the caller's trace (its W3C `traceparent` header); null while tracing is off. */
export function startServerSpan(
  headers: Record<string, string | string[] | undefined>,
  name: string,
  attributes: Attributes,
): ServerSpan | null {
  if (!active) return null;
  const { api, tracer } = active;
  const parent = api.propagation.extract(api.ROOT_CONTEXT, headers);
  const span = tracer.startSpan(name, { kind: api.SpanKind.SERVER, attributes }, parent);
  const context = api.trace.setSpan(parent, span);
  return {
    enter: (work) => api.context.with(context, work),
    end: (final) => {
      span.setAttributes(final);
      span.end();
    },
  };
}
