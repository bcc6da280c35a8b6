// The audible alarm: Web Audio oscillator tones (no sound file to fetch, works offline), on every page.
// - an open critical item: two tones every 3 s until it is acknowledged (or its camera snoozed);
// - a critical item past its escalation time: three louder tones every second, on every screen, through a mute;
// - a new warning item: one tone, once; info items are silent.
// Browsers start audio only after a gesture unless told otherwise (the kiosk's --autoplay-policy flag, README); while
// this page cannot play sound it says so in a red banner (app.js), and any click or key on the page unlocks it.
// State on <body>: data-alarm off | on | escalated | muted | blocked, data-sound ok | blocked, data-beeps (a count).

const REPEAT_MS = 3000;
const ESCALATED_MS = 1000;

let ctx = null;
let needs = { critical: false, escalated: false };
let mutedUntilMs = 0;
let timer = null;
let timerMode = null;
let beeps = 0;
const listeners = new Set();

export function onAlarmChange(fn) {
  listeners.add(fn);
}

/** What the open items ask for (review-store's alarmNeeds()). */
export function setAlarmNeeds(next) {
  needs = { critical: Boolean(next.critical), escalated: Boolean(next.escalated) };
  update();
}

/** This user's mute on the server ends at `until` (epoch ms, this device's clock); 0 = not muted. */
export function setMutedUntil(until) {
  mutedUntilMs = until > Date.now() ? until : 0;
  update();
}

export function muted() {
  return mutedUntilMs > Date.now();
}

/** Whether the browser lets this page play sound now. */
export function soundReady() {
  return ctx !== null && ctx.state === 'running';
}

/** Called from a click: creating/resuming the context inside a gesture is what browsers allow. */
export async function enableSound() {
  ensureContext();
  if (ctx && ctx.state !== 'running') await ctx.resume().catch(() => {});
  update();
}

/** One tone for a new warning item (not while muted, not when the page cannot play). */
export function chime() {
  if (!soundReady() || muted()) return;
  tones([880], 0.25);
}

export function alarmState() {
  if (!needs.critical && !needs.escalated) return 'off';
  if (!soundReady()) return 'blocked';
  if (needs.escalated) return 'escalated';
  if (muted()) return 'muted';
  return 'on';
}

function ensureContext() {
  if (ctx) return;
  const AC = window.AudioContext || window.webkitAudioContext;
  if (!AC) return;
  ctx = new AC();
  ctx.addEventListener('statechange', update);
}

function update() {
  // Creating the context early lets a page that already had a gesture (the login click), or a kiosk allowed to play,
  // sound without another one.
  ensureContext();
  const state = alarmState();
  const mode = state === 'on' || state === 'escalated' ? state : null;
  if (mode !== timerMode) {
    clearInterval(timer);
    timer = null;
    timerMode = mode;
    if (mode) {
      ring(mode);
      timer = setInterval(() => ring(mode), mode === 'escalated' ? ESCALATED_MS : REPEAT_MS);
    }
  }
  document.body.dataset.alarm = state;
  document.body.dataset.sound = soundReady() ? 'ok' : 'blocked';
  for (const fn of listeners) fn(state);
}

function ring(mode) {
  if (mode === 'escalated') tones([988, 740, 988], 0.6);
  else tones([880, 660], 0.3);
}

/** Short square-wave tones one after the other: distinct from phone ring tones, audible across a guard room. */
function tones(freqs, gainPeak) {
  if (!soundReady()) return;
  const t0 = ctx.currentTime;
  for (const [i, freq] of freqs.entries()) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'square';
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, t0 + i * 0.35);
    gain.gain.exponentialRampToValueAtTime(gainPeak, t0 + i * 0.35 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t0 + i * 0.35 + 0.3);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t0 + i * 0.35);
    osc.stop(t0 + i * 0.35 + 0.32);
  }
  beeps += 1;
  document.body.dataset.beeps = String(beeps);
}

// Any click or key on the page is a gesture that may unlock audio: the guard need not find the button.
for (const type of ['pointerdown', 'keydown']) {
  window.addEventListener(type, () => {
    if (!soundReady()) void enableSound();
  });
}

// A mute or an escalation time that passes must change the sound without anything else happening.
setInterval(update, 5_000);
