/**
 * `qmon discover --write FILE`: appends the probed cameras to a facility config's `cameras:` list,
 * keeping the installer's comments and layout (yaml Document API). Passwords are written as
 * `env:QMON_CAM_<ID>_PASSWORD` references, never as literals; camera ids come from the serial
 * number or the WS-Discovery UUID so they survive IP changes.
 */
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { appendItemsText } from './yaml-append.js';
import type { ProbeReport, ProbedProfile } from './probe.js';

export class ConfigWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigWriteError';
  }
}

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');

/** A config camera id (`[a-z0-9-]{1,32}`) that stays the same when the camera's IP changes. */
export function cameraIdFor(r: Pick<ProbeReport, 'info' | 'endpoint' | 'address'>, taken: ReadonlySet<string>): string {
  const serial = r.info?.serialNumber !== undefined ? slug(r.info.serialNumber) : '';
  const uuid = r.endpoint !== undefined ? slug(r.endpoint.replace(/^urn:uuid:/i, '')).replace(/-/g, '') : '';
  // The tail of a serial or UUID is the part that differs between units of the same model.
  const core = serial !== '' ? serial.slice(-28).replace(/^-+/, '') : uuid !== '' ? uuid.slice(-12) : slug(r.address);
  const base = `cam-${core}`.slice(0, 32).replace(/-+$/, '');
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base.slice(0, 32 - String(n).length - 1)}-${n}`;
  return id;
}

/** `QMON_CAM_<ID>_PASSWORD` with the id upper-cased and `-` as `_`. */
export function passwordEnvName(id: string): string {
  return `QMON_CAM_${id.toUpperCase().replace(/-/g, '_')}_PASSWORD`;
}

/** Detect size: the stream's own size when ≤ 1280x720, else scaled to fit; even numbers (ffmpeg's scaler needs them). */
export function detectSizeFor(p: Pick<ProbedProfile, 'width' | 'height'>): { width: number; height: number } {
  const scale = Math.min(1, 1280 / p.width, 720 / p.height);
  const even = (n: number): number => Math.max(16, 2 * Math.floor((n * scale) / 2));
  return { width: even(p.width), height: even(p.height) };
}

export interface WrittenCamera {
  readonly id: string;
  readonly address: string;
  readonly passwordEnv: string;
  readonly profile: 'main' | 'sub';
}

export interface WriteResult {
  readonly added: WrittenCamera[];
  readonly skipped: { readonly address: string; readonly reason: string }[];
}

function existingCameras(cameras: YAMLMap[]): { ids: Set<string>; addresses: Set<string> } {
  const ids = new Set<string>();
  const addresses = new Set<string>();
  for (const cam of cameras) {
    const id = cam.get('id');
    if (typeof id === 'string') ids.add(id);
    const onvif = cam.getIn(['source', 'onvif']);
    if (isMap(onvif)) {
      const address: unknown = onvif.get('address');
      const port: unknown = onvif.get('port') ?? 80;
      if (typeof address === 'string' && typeof port === 'number') addresses.add(`${address}:${port}`);
    }
  }
  return { ids, addresses };
}

export interface AppendOptions {
  readonly username: string;
  /**
   * Checks the new file (written beside the original) before it replaces it; returns problems,
   * empty when fine. The CLI runs the config checker here so --write can never break a config.
   */
  readonly verify?: (newFile: string, added: readonly WrittenCamera[]) => Promise<string[]>;
  readonly today?: Date;
}

/** Appends one entry per authenticated report with a stream; replaces the file atomically. */
export async function appendCameras(file: string, reports: readonly ProbeReport[], opts: AppendOptions): Promise<WriteResult> {
  const { username } = opts;
  const today = opts.today ?? new Date();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigWriteError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'} (--write appends to an existing facility config)`);
  }
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) throw new ConfigWriteError(`${file} is not valid YAML (${doc.errors[0]!.message.split('\n')[0]}); fix it with qmon check-config first`);
  if (!isMap(doc.contents)) throw new ConfigWriteError(`${file} is not a facility config (expected a mapping at the top)`);
  let list = doc.get('cameras');
  if (list === undefined || list === null) {
    doc.set('cameras', doc.createNode([]));
    list = doc.get('cameras');
  }
  if (!isSeq(list)) throw new ConfigWriteError(`${file}: "cameras" is not a list`);
  const { ids, addresses } = existingCameras(list.items.filter(isMap));

  const oldItemCount = list.items.length;
  const added: WrittenCamera[] = [];
  const skipped: { address: string; reason: string }[] = [];
  for (const r of reports) {
    const address = `${r.address}:${r.port}`;
    const sub = r.profiles.find((p) => (p.role === 'sub' || p.role === 'main+sub') && p.streamUri !== undefined);
    const chosen = sub ?? r.profiles.find((p) => p.role === 'main' && p.streamUri !== undefined);
    if (!r.authenticated || chosen === undefined) {
      skipped.push({ address, reason: r.error?.message ?? 'no profile with a usable stream' });
      continue;
    }
    if (addresses.has(address)) {
      skipped.push({ address, reason: 'already in the config' });
      continue;
    }
    const id = cameraIdFor(r, ids);
    ids.add(id);
    addresses.add(address);
    const profile: 'main' | 'sub' = chosen.role === 'main' ? 'main' : 'sub';
    const env = passwordEnvName(id);
    const model = [r.info?.manufacturer, r.info?.model].filter((s) => s !== undefined).join(' ');
    const entry = doc.createNode({
      id,
      name: r.scopeName ?? (model !== '' ? `${model} (${r.address})` : r.address),
      source: { onvif: { address: r.address, port: r.port, username, password: `env:${env}`, profile } },
      detect: { fps: Math.max(1, Math.min(5, Math.floor(chosen.fps ?? 5))), ...detectSizeFor(chosen) },
    });
    const detect = entry.get('detect');
    if (isMap(detect)) detect.flow = true;
    const facts = [model, r.info?.firmwareVersion && `fw ${r.info.firmwareVersion}`, r.info?.serialNumber && `serial ${r.info.serialNumber}`];
    entry.commentBefore = ` added by qmon discover ${today.toISOString().slice(0, 10)}: ${facts.filter(Boolean).join(', ')}; stream ${chosen.width}x${chosen.height}; set ${env}`;
    list.items.push(entry);
    added.push({ id, address, passwordEnv: env, profile });
  }
  if (added.length > 0) {
    const mode = (await stat(file)).mode & 0o777;
    const tmp = `${file}.tmp-${process.pid}`;
    // Append as text, so the rest of the file keeps its exact layout; re-serialise only where that is impossible.
    const out = appendItemsText(text, 'cameras', list, oldItemCount) ?? doc.toString({ lineWidth: 0 });
    await writeFile(tmp, out, { mode });
    const problems = opts.verify ? await opts.verify(tmp, added) : [];
    if (problems.length > 0) {
      await unlink(tmp).catch(() => undefined);
      throw new ConfigWriteError(`not written: the result would not pass the config check:\n  ${problems.map((p) => p.split(tmp).join(file)).join('\n  ')}`);
    }
    await rename(tmp, file);
  }
  return { added, skipped };
}
