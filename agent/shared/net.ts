/**
 * Turns Nagle's algorithm off on an MQTT client's socket (agent uplink and reference hub alike).
 * MQTT packets are small and the relay waits for each PUBACK before the window moves; with Nagle
 * on, a small write waits for the peer's delayed ACK (40 ms on Linux), which caps a 16-message
 * window at a few hundred messages a second. Typed structurally so `shared` needs no MQTT import.
 */
export function noDelay(client: { readonly stream?: unknown }): void {
  const stream = client.stream as { setNoDelay?: (on: boolean) => unknown } | undefined;
  stream?.setNoDelay?.(true);
}
