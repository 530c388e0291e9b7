/**
 * A listener leak fails the run instead of printing a warning nobody reads: every test file loads this
 * (vitest setupFiles), and an EventEmitter passing its listener limit is an unhandled error there.
 */
process.on('warning', (warning) => {
  // A plain Error: the warning itself carries the whole emitter, which would flood the report.
  if (warning.name === 'MaxListenersExceededWarning') throw new Error(`${warning.name}: ${warning.message}`);
});
