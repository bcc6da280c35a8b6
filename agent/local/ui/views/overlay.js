// Draws a camera's lines (with an arrow towards the "in" side, and/or "out") and zone polygons on a canvas laid over
// the preview image, labelled with their names and the arrows' words in the page's language (`labels`). Geometry
// comes in detect-size pixels and is scaled to the image as displayed.

const LINE = '#ff3b30';
const ZONE = '#ffd60a';

const pts = (p) => (Array.isArray(p) ? p.map((q) => (Array.isArray(q) ? q : [q.x, q.y])) : []);

export function drawOverlay(canvas, img, g, maxWidth, labels = { in: 'in', out: 'out' }) {
  const srcW = g.width || img.naturalWidth || 640;
  const srcH = g.height || img.naturalHeight || 480;
  const shown = img.naturalWidth > 0 && img.clientWidth > 0;
  // No frame: a box of the detect size's shape, as wide as the stage allows.
  const w = shown ? img.clientWidth : Math.min(maxWidth || srcW, srcW * 2);
  const hgt = shown ? img.clientHeight : (w * srcH) / srcW;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(hgt * dpr);
  canvas.style.width = `${w}px`;
  canvas.style.height = `${hgt}px`;
  const sx = (w * dpr) / srcW;
  const sy = (hgt * dpr) / srcH;
  const u = Math.max(canvas.width, canvas.height) / 640;
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.font = `${Math.round(14 * u)}px sans-serif`;
  ctx.lineJoin = 'round';
  let shapes = 0;
  const texts = [];
  const label = (text, x, y, colour) => (texts.push(text), drawLabel(ctx, text, x, y, colour));
  for (const z of g.zones ?? []) {
    const p = pts(z.polygon ?? z.points).map(([x, y]) => [x * sx, y * sy]);
    if (p.length < 3) continue;
    ctx.beginPath();
    p.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    ctx.closePath();
    ctx.fillStyle = 'rgba(255, 214, 10, 0.25)';
    ctx.fill();
    ctx.strokeStyle = ZONE;
    ctx.lineWidth = 2 * u;
    ctx.stroke();
    label(String(z.name ?? z.id), p[0][0] + 4 * u, p[0][1] + 16 * u, ZONE);
    shapes++;
  }
  for (const l of g.lines ?? []) {
    const p = pts(l.points).map(([x, y]) => [x * sx, y * sy]);
    if (p.length !== 2) continue;
    const [a, b] = p;
    ctx.beginPath();
    ctx.moveTo(a[0], a[1]);
    ctx.lineTo(b[0], b[1]);
    ctx.strokeStyle = LINE;
    ctx.lineWidth = 5 * u;
    ctx.lineCap = 'round';
    ctx.stroke();
    // "in" = the left-hand side of first→second as drawn on screen (y grows downwards), as the config says.
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
    const n = [(b[1] - a[1]) / len, -(b[0] - a[0]) / len];
    const mid = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    const dir = l.direction ?? 'both';
    if (dir === 'in' || dir === 'both') arrow(ctx, mid, n, labels.in, u, label);
    if (dir === 'out' || dir === 'both') arrow(ctx, mid, [-n[0], -n[1]], labels.out, u, label);
    label(String(l.name ?? l.id), a[0] + 6 * u, a[1] + 16 * u, LINE);
    shapes++;
  }
  canvas.dataset.shapes = String(shapes);
  // What was written on the picture, for people using a screen reader and for the tests.
  canvas.dataset.labels = texts.join('|');
  canvas.setAttribute('aria-label', texts.join(', '));
}

function arrow(ctx, from, dir, text, u, label) {
  const len = 48 * u;
  const head = 14 * u;
  const tip = [from[0] + dir[0] * len, from[1] + dir[1] * len];
  ctx.beginPath();
  ctx.moveTo(from[0], from[1]);
  ctx.lineTo(tip[0], tip[1]);
  ctx.strokeStyle = LINE;
  ctx.lineWidth = 3 * u;
  ctx.stroke();
  const back = [tip[0] - dir[0] * head, tip[1] - dir[1] * head];
  const side = [-dir[1] * head * 0.6, dir[0] * head * 0.6];
  ctx.beginPath();
  ctx.moveTo(tip[0], tip[1]);
  ctx.lineTo(back[0] + side[0], back[1] + side[1]);
  ctx.lineTo(back[0] - side[0], back[1] - side[1]);
  ctx.closePath();
  ctx.fillStyle = LINE;
  ctx.fill();
  label(text, tip[0] + dir[0] * 8 * u - 8 * u, tip[1] + dir[1] * 8 * u + 5 * u, LINE);
}

function drawLabel(ctx, text, x, y, colour) {
  ctx.lineWidth = 3;
  ctx.strokeStyle = 'rgba(0,0,0,0.8)';
  ctx.strokeText(text, x, y);
  ctx.fillStyle = colour;
  ctx.fillText(text, x, y);
}
