import { INJECTION_POLICIES, type InjectionPolicy } from './injection.js';

export * from './injection.js';
export * from './redact.js';

/** `BINDERY_INJECTION_POLICY` (default flag); a typo must stop start-up rather than weaken the policy. */
export function securePolicyFromEnv(env: Readonly<Record<string, string | undefined>>): InjectionPolicy {
  const raw = env.BINDERY_INJECTION_POLICY?.trim().toLowerCase() ?? '';
  if (raw === '') return 'flag';
  const policy = INJECTION_POLICIES.find((p) => p === raw);
  if (policy) return policy;
  throw new Error(
    `BINDERY_INJECTION_POLICY must be one of ${INJECTION_POLICIES.join(', ')}; got "${env.BINDERY_INJECTION_POLICY}".`,
  );
}
