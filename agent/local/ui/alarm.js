// The audible alarm: Web Audio oscillator beeps (no sound file to fetch, works offline), repeated while any
// unacknowledged alert is shown. Browsers only let audio start after a user gesture, so while the AudioContext is
// suspended the page shows an "enable sound" button. State is published on <body data-alarm> for people and tests:
// off | on (beeping) | blocked (needs the button) | muted.

const MUTE_KEY = 'qmon.muteUntil';
const REPEAT_MS = 3000;

let ctx = null;
let wanted = false;
let timer = null;
let beeps = 0;
const listeners = new Set();

export function onAlarmChange(fn) {
  listeners.add(fn);
}

export function mutedUntil() {
  const v = Number(localStorage.getItem(MUTE_KEY));
  return Number.isFinite(v) && v > Date.now() ? v : 0;
}

/** Mutes sound until `until` (epoch ms): the rest of this guard's shift. Visual alerts go on. */
export function muteUntil(until) {
  localStorage.setItem(MUTE_KEY, String(until));
  update();
}

export function unmute() {
  localStorage.removeItem(MUTE_KEY);
  update();
}

/** Called from a click: creating/resuming the context inside a gesture is what browsers allow. */
export async function enableSound() {
  ensureContext();
  if (ctx && ctx.state !== 'running') await ctx.resume().catch(() => {});
  update();
}

/** Whether alerts needing attention exist; the alarm follows this. */
export function setAlarmWanted(on) {
  wanted = on;
  update();
}

/** Whether the browser lets this page play sound now (false until a gesture on a fresh page load). */
export function soundReady() {
  return ctx !== null && ctx.state === 'running';
}

export function alarmState() {
  if (!wanted) return 'off';
  if (mutedUntil()) return 'muted';
  if (!ctx || ctx.state !== 'running') return 'blocked';
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
  // Creating the context early lets a page that already had a gesture (the login click) play without another one.
  ensureContext();
  const state = alarmState();
  if (state === 'on' && timer === null) {
    beep();
    timer = setInterval(() => (alarmState() === 'on' ? beep() : update()), REPEAT_MS);
  } else if (state !== 'on' && timer !== null) {
    clearInterval(timer);
    timer = null;
  }
  document.body.dataset.alarm = state;
  for (const fn of listeners) fn(state);
}

/** Two short tones, high then low: distinct from phone ring tones, audible across a guard room. */
function beep() {
  const t0 = ctx.currentTime;
  for (const [i, freq] of [880, 660].entries()) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'square';
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, t0 + i * 0.35);
    gain.gain.exponentialRampToValueAtTime(0.3, t0 + i * 0.35 + 0.02);
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

// A mute that expires must give the sound back without a reload.
setInterval(() => {
  if (wanted) update();
}, 30_000);
