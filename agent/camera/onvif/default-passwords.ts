/**
 * Factory passwords that camera vendors shipped for years and that installers leave in place. A
 * camera still using one is open to anyone on the network; the probe flags it (without printing the
 * password: the username and "vendor default" are enough to act on).
 */
export interface DefaultCredential {
  readonly username: string;
  readonly password: string;
  /** Who shipped it, for the message. */
  readonly vendors: string;
}

export const DEFAULT_CREDENTIALS: readonly DefaultCredential[] = [
  { username: 'admin', password: '12345', vendors: 'Hikvision (older firmware)' },
  { username: 'admin', password: 'admin', vendors: 'many OEM cameras' },
  { username: 'admin', password: '', vendors: 'Dahua/OEM (older firmware)' },
  { username: 'admin', password: '123456', vendors: 'many OEM cameras' },
  { username: 'admin', password: '888888', vendors: 'Dahua (older firmware)' },
  { username: 'admin', password: '9999', vendors: 'Dahua (older firmware)' },
  { username: 'root', password: 'pass', vendors: 'Axis (older firmware)' },
];

export function findDefaultCredential(username: string, password: string): DefaultCredential | undefined {
  return DEFAULT_CREDENTIALS.find((d) => d.username === username && d.password === password);
}
