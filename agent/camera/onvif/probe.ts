/**
 * Everything `qmon probe` / `qmon discover` learn about one device: its clock offset, make and
 * model, media profiles with stream URIs, and whether it still accepts a vendor default password.
 * A probe never throws for a camera's fault: the first failure ends up in `error`, with what was
 * learnt before it kept.
 */
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../ops/index.js';
import { findDefaultCredential, DEFAULT_CREDENTIALS } from './default-passwords.js';
import { DEFAULT_DEVICE_PATH, OnvifDevice, type CameraClock } from './device.js';
import { isOnvifError, OnvifError, type OnvifErrorCode } from './errors.js';
import { chooseProfiles, roleOf } from './profiles.js';
import type { DeviceInfo, MediaProfile } from './responses.js';
import { checkStreamUri, redactedStreamUri } from './stream-uri.js';

export interface ProbeTarget {
  readonly address: string;
  readonly port?: number;
  readonly path?: string;
  /** WS-Discovery endpoint reference (`urn:uuid:…`), when found by discovery. */
  readonly endpoint?: string;
  /** Name from the discovery scopes (`onvif://www.onvif.org/name/…`). */
  readonly scopeName?: string;
  /**
   * Tried when nothing ONVIF answers at `address` (unreachable, timeout, not ONVIF): discovery puts the camera's
   * advertised XAddr in `address` and the address its answer came from here. The report says which one worked.
   */
  readonly fallback?: { readonly address: string; readonly port: number; readonly path: string };
}

/** Nothing ONVIF at that address: another address of the same device may still work. */
const NOT_THERE = new Set<OnvifErrorCode>(['unreachable', 'timeout', 'not_onvif']);

export interface ProbeOptions {
  readonly username?: string;
  readonly password?: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly timeoutMs?: number;
  /** Try the vendor-default table too (each wrong try counts towards the camera's lockout). */
  readonly checkDefaultPasswords?: boolean;
}

export interface ProbedProfile extends MediaProfile {
  readonly role: 'main' | 'sub' | 'main+sub' | null;
  /** Checked RTSP URI without credentials. */
  readonly streamUri?: string;
  /** With `user:***@`, for output. */
  readonly redactedStreamUri?: string;
  readonly streamError?: string;
  readonly notes: readonly string[];
}

export interface DefaultPasswordFinding {
  readonly username: string;
  readonly vendors: string;
  /** `supplied`: the credentials given to the probe are a vendor default; `tested`: found by --check-default-passwords. */
  readonly how: 'supplied' | 'tested';
}

export interface ProbeReport {
  readonly address: string;
  readonly port: number;
  readonly path: string;
  readonly endpoint?: string;
  readonly scopeName?: string;
  clock?: CameraClock;
  info?: DeviceInfo;
  authenticated: boolean;
  profiles: ProbedProfile[];
  skippedProfiles: string[];
  subNote?: string;
  defaultPassword?: DefaultPasswordFinding;
  /** Why the default-password check stopped early, if it did. */
  defaultCheckNote?: string;
  /** Things worth knowing that are not errors. */
  notes: string[];
  error?: { readonly code: OnvifErrorCode; readonly message: string };
}

function device(t: ProbeTarget, o: ProbeOptions, username?: string, password?: string): OnvifDevice {
  return new OnvifDevice({
    address: t.address,
    ...(t.port !== undefined && { port: t.port }),
    ...(t.path !== undefined && { path: t.path }),
    ...(username !== undefined && { username }),
    ...(password !== undefined && { password }),
    ...(o.clock !== undefined && { clock: o.clock }),
    ...(o.logger !== undefined && { logger: o.logger }),
    ...(o.timeoutMs !== undefined && { timeoutMs: o.timeoutMs }),
  });
}

function asError(e: unknown): { code: OnvifErrorCode; message: string } {
  if (e instanceof OnvifError) return { code: e.code, message: e.message };
  throw e; // a bug in this code, not a camera problem
}

async function streamFor(dev: OnvifDevice, p: MediaProfile, username: string | undefined): Promise<Pick<ProbedProfile, 'streamUri' | 'redactedStreamUri' | 'streamError' | 'notes'>> {
  try {
    const raw = await dev.streamUri(p.token);
    const checked = checkStreamUri(raw, dev.address, `${dev.label} GetStreamUri(${p.token})`);
    return { streamUri: checked.uri, redactedStreamUri: redactedStreamUri(checked.uri, username), notes: checked.notes };
  } catch (e) {
    return { streamError: asError(e).message, notes: [] };
  }
}

/** Tries the vendor-default table with GetDeviceInformation; stops at the first success or lockout. */
async function tryDefaults(t: ProbeTarget, o: ProbeOptions): Promise<Pick<ProbeReport, 'defaultPassword' | 'defaultCheckNote'>> {
  for (const d of DEFAULT_CREDENTIALS) {
    if (d.username === o.username && d.password === o.password) continue; // already tried as the supplied account
    const dev = device(t, o, d.username, d.password);
    try {
      await dev.readClock();
      await dev.deviceInformation();
      return { defaultPassword: { username: d.username, vendors: d.vendors, how: 'tested' } };
    } catch (e) {
      if (isOnvifError(e, 'auth_failed')) continue;
      if (isOnvifError(e, 'locked')) return { defaultCheckNote: 'stopped: the camera locked the account during the check' };
      return { defaultCheckNote: `stopped: ${asError(e).message}` };
    }
  }
  return {};
}

/**
 * Reads the clock at the target's address, else at its fallback; the device that answered, its clock, and a note
 * saying which address worked when there was a choice. Throws the first address's error when neither answers.
 */
async function reach(target: ProbeTarget, opts: ProbeOptions): Promise<{ at: ProbeTarget; dev: OnvifDevice; clock: CameraClock; note?: string }> {
  const first = device(target, opts, opts.username, opts.password);
  const where = (t: { address: string; port?: number }): string => `${t.address}:${t.port ?? 80}`;
  try {
    const clock = await first.readClock();
    const fb = target.fallback;
    return { at: target, dev: first, clock, ...(fb && { note: `reached at its advertised address ${where(target)} (its discovery answer came from ${fb.address})` }) };
  } catch (e) {
    const fb = target.fallback;
    if (!fb || !isOnvifError(e) || !NOT_THERE.has(e.code)) throw e;
    const { fallback: _tried, ...rest } = target;
    const at: ProbeTarget = { ...rest, ...fb };
    const second = device(at, opts, opts.username, opts.password);
    try {
      const clock = await second.readClock();
      return { at, dev: second, clock, note: `its advertised address ${where(target)} did not answer (${e.code}); reached at ${where(at)}, where its discovery answer came from` };
    } catch {
      throw e;
    }
  }
}

function emptyReport(t: ProbeTarget): ProbeReport {
  return {
    address: t.address,
    port: t.port ?? 80,
    path: t.path ?? DEFAULT_DEVICE_PATH,
    ...(t.endpoint !== undefined && { endpoint: t.endpoint }),
    ...(t.scopeName !== undefined && { scopeName: t.scopeName }),
    authenticated: false,
    profiles: [],
    skippedProfiles: [],
    notes: [],
  };
}

export async function probeDevice(requested: ProbeTarget, opts: ProbeOptions = {}): Promise<ProbeReport> {
  let reached: Awaited<ReturnType<typeof reach>>;
  try {
    reached = await reach(requested, opts);
  } catch (e) {
    return { ...emptyReport(requested), error: asError(e) };
  }
  const { at: target, dev } = reached;
  const report = emptyReport(target);
  report.clock = reached.clock;
  if (reached.note !== undefined) report.notes.push(reached.note);
  if (dev.hasCredentials) {
    try {
      report.info = await dev.deviceInformation();
      report.authenticated = true;
      const supplied = findDefaultCredential(opts.username!, opts.password!);
      if (supplied) report.defaultPassword = { username: supplied.username, vendors: supplied.vendors, how: 'supplied' };
      const { usable, skipped } = await dev.profiles();
      report.skippedProfiles = skipped;
      const choice = chooseProfiles(usable);
      if (choice.subNote !== undefined) report.subNote = choice.subNote;
      for (const p of usable) report.profiles.push({ ...p, role: roleOf(choice, p), ...(await streamFor(dev, p, opts.username)) });
    } catch (e) {
      report.error = asError(e);
    }
  } else {
    report.notes.push('no username/password given: only the clock was read');
  }
  const locked = report.error?.code === 'locked';
  if (opts.checkDefaultPasswords && report.defaultPassword === undefined && !locked) {
    Object.assign(report, await tryDefaults(target, opts));
  }
  return report;
}
