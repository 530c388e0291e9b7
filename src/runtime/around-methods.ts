/**
 * A view of `target` whose methods run through `around(method)(call)`. Metrics time and tracing spans every
 * store and API call this way, without either class knowing. A Proxy rather than a decorator because the
 * store is one of two dialect classes and the API is built from the operation table. `around(method)` runs
 * once per method, on its first call, so per-method set-up (labelled series, span names) is not per call.
 */
export function aroundMethods<T extends object>(
  target: T,
  around: (method: string) => (call: () => unknown) => unknown,
): T {
  const wrapped = new Map<string, (...args: unknown[]) => unknown>();
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      let method = wrapped.get(property);
      if (!method) {
        const run = around(property);
        method = (...args: unknown[]) => run(() => value.apply(object, args));
        wrapped.set(property, method);
      }
      return method;
    },
  });
}

export type Settled = { ok: true; answer: unknown } | { ok: false; error: unknown };

/** Passes `result` through, calling `settled` once it settles: at once unless it is a promise. */
export function onSettled(result: unknown, settled: (outcome: Settled) => void): unknown {
  if (!(result instanceof Promise)) {
    settled({ ok: true, answer: result });
    return result;
  }
  return result.then(
    (answer) => {
      settled({ ok: true, answer });
      return answer;
    },
    (error: unknown) => {
      settled({ ok: false, error });
      throw error;
    },
  );
}
