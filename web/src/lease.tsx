/**
 * The running execution of a task as the card and the drawer show it: role, since when, and the lease
 * counting down. One shared one-second timer re-renders only these small components, never the board.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Execution } from '../../src/contract/role.js';

const tickers = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

/** The time now, renewed every second while the calling component is shown. */
function useSecond(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const tick = () => setNow(Date.now());
    tickers.add(tick);
    timer ??= setInterval(() => {
      for (const ticker of tickers) ticker();
    }, 1000);
    return () => {
      tickers.delete(tick);
      if (tickers.size === 0) {
        clearInterval(timer);
        timer = undefined;
      }
    };
  }, []);
  return now;
}

/** `3 min ago`, `2 h ago`: how long ago `iso` was, coarse enough to read at a glance. */
export function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

const two = (n: number) => String(n).padStart(2, '0');

/** `lease 12:34 left` (`1:02:03` past an hour), or `lease expired` once its end has passed. */
export function leaseText(expiresAt: string, now: number): string {
  const s = Math.ceil((Date.parse(expiresAt) - now) / 1000);
  if (s <= 0) return 'lease expired';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const clock = h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
  return `lease ${clock} left`;
}

/** The lease of a running execution, ticking; nothing for an execution without one (imported). */
export function LeaseLeft({ expiresAt }: { expiresAt: string | null }) {
  const now = useSecond();
  if (!expiresAt) return null;
  const text = leaseText(expiresAt, now);
  return (
    <span
      class={`badge lease${text === 'lease expired' ? ' expired' : ''}`}
      title={`lease ends ${expiresAt}`}
    >
      {text}
    </span>
  );
}

/** A card's badges for the task's running execution. */
export function RunningBadge({ execution }: { execution: Execution }) {
  const now = useSecond();
  return (
    <>
      <span class="badge running" title={`execution ${execution.id}, started ${execution.started_at}`}>
        ● running as {execution.role}
      </span>
      <span class="badge since">since {ago(execution.started_at, now)}</span>
      <LeaseLeft expiresAt={execution.lease_expires_at} />
    </>
  );
}
