/**
 * A view of `target` whose methods run through `around(method, call)`. Metrics time and tracing spans every
 * store and API call this way, without either class knowing. A Proxy rather than a decorator because the
 * store is one of two dialect classes and the API is built from the operation table.
 */
export function aroundMethods<T extends object>(
  target: T,
  around: (method: string, call: () => unknown) => unknown,
): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => around(property, () => value.apply(object, args));
    },
  });
}

/** Passes `result` through, calling `settled` once it settles: at once unless it is a promise. */
export function onSettled(result: unknown, settled: (failure?: { error: unknown }) => void): unknown {
  if (!(result instanceof Promise)) {
    settled();
    return result;
  }
  return result.then(
    (answer) => {
      settled();
      return answer;
    },
    (error: unknown) => {
      settled({ error });
      throw error;
    },
  );
}
