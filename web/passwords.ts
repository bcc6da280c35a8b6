import { hash, verify } from '@node-rs/argon2';

/**
 * People's passwords on both web servers (the guard dashboard's users, the hub's users): Argon2id at OWASP's first
 * recommended setting (19 MiB, 2 passes, 1 lane). Hashing takes ~50 ms on the mini-PC: fine for logins, and the rate
 * limiter keeps a guesser from turning it into a CPU drain.
 */
// `algorithm: 2` is Algorithm.Argon2id (a const enum, which verbatimModuleSyntax cannot import); also the default.
const ARGON2 = { algorithm: 2, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;

/** Why `name` is not a valid user name, or null. */
export function userNameProblem(name: string): string | null {
  return /^[A-Za-z0-9._-]{1,32}$/.test(name) ? null : 'expected 1-32 letters, digits, ".", "_" or "-"';
}

/** Why `password` is not acceptable, or null. */
export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN) return `must be at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `must be at most ${PASSWORD_MAX} characters`;
  return null;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

/** Whether `password` matches; a malformed stored hash is a mismatch, never an exception. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** A hash to verify against when the user does not exist, so that answer takes as long as a wrong password. */
let dummy: Promise<string> | null = null;
export function dummyHash(): Promise<string> {
  return (dummy ??= hashPassword('qmon-no-such-user-padding'));
}
