import { DomainError } from '../../core/errors.ts';

const WINDOW_MS = 60_000;

/** A fixed window of writes per key: how many are left, and when the window starts again. */
class Allowance {
  private readonly windows = new Map<string, { start: number; used: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number,
  ) {}

  /** Counts one write for `key`; @returns the seconds to wait when it is over the limit. */
  take(key: string): { remaining: number; resetSeconds: number; refusedFor?: number } {
    const at = this.now();
    let window = this.windows.get(key);
    if (window === undefined || at - window.start >= WINDOW_MS) {
      if (this.windows.size > 50_000) this.forgetOld(at);
      window = { start: at, used: 0 };
      this.windows.set(key, window);
    }
    const resetSeconds = Math.max(1, Math.ceil((window.start + WINDOW_MS - at) / 1000));
    if (window.used >= this.perMinute) return { remaining: 0, resetSeconds, refusedFor: resetSeconds };
    window.used += 1;
    return { remaining: this.perMinute - window.used, resetSeconds };
  }

  /** Windows that have ended hold nothing worth keeping; a flood of keys must not grow memory. */
  private forgetOld(at: number): void {
    for (const [key, window] of this.windows) if (at - window.start >= WINDOW_MS) this.windows.delete(key);
  }
}

export interface Verdict {
  headers: Record<string, string>;
  refusal?: DomainError;
}

export interface WriteLimitConfig {
  writesPerMinutePerIp: number;
  writesPerMinutePerCaller: number;
}

/** The answer to a write past its allowance: the message and Retry-After say the same wait. */
function refusal(who: string, perMinute: number, seconds: number): DomainError {
  return new DomainError('rate_limited', 'rate_limited', `Too many writes from this ${who}: at most ${perMinute} a minute. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`, {
    details: { retry_after_seconds: seconds, limit_per_minute: perMinute },
  });
}

/**
 * Writes a minute per client IP (checked before a body is read) and per caller (checked once the
 * caller is known: a header-mode upload names it in the form, so this comes after the body). A
 * limit of 0 is off. Behind API Gateway its throttling does this job, so only Express uses these.
 */
export class WriteLimits {
  private readonly byIp: Allowance | undefined;
  private readonly byCaller: Allowance | undefined;

  constructor(
    private readonly config: WriteLimitConfig,
    now: () => number = Date.now,
  ) {
    this.byIp = config.writesPerMinutePerIp > 0 ? new Allowance(config.writesPerMinutePerIp, now) : undefined;
    this.byCaller = config.writesPerMinutePerCaller > 0 ? new Allowance(config.writesPerMinutePerCaller, now) : undefined;
  }

  /** The RateLimit headers for the answer, and the refusal when the address is over its allowance. */
  checkIp(ip: string): Verdict {
    return this.check(this.byIp, ip, 'client address', this.config.writesPerMinutePerIp);
  }

  /** The RateLimit headers for the answer, and the refusal when the caller is over its allowance. */
  checkCaller(caller: string): Verdict {
    return this.check(this.byCaller, caller, 'caller', this.config.writesPerMinutePerCaller);
  }

  private check(allowance: Allowance | undefined, key: string, who: string, perMinute: number): Verdict {
    if (allowance === undefined) return { headers: {} };
    const { remaining, resetSeconds, refusedFor } = allowance.take(key);
    // The IETF draft's fields (draft-ietf-httpapi-ratelimit-headers-08).
    const headers = { 'ratelimit-policy': `"writes";q=${perMinute};w=60`, ratelimit: `"writes";r=${remaining};t=${resetSeconds}` };
    return refusedFor === undefined ? { headers } : { headers, refusal: refusal(who, perMinute, refusedFor) };
  }
}
