/**
 * Keys that appear twice in one object of a JSON text. JSON.parse keeps the last silently, and log
 * shippers differ on which one they keep, so a log line must never carry a key twice.
 */
export function duplicateKeys(json: string): string[] {
  const dupes: string[] = [];
  const stack: (Set<string> | null)[] = []; // one entry per open object (a Set) or array (null)
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const ch = json[i];
    if (ch === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      const top = stack.at(-1);
      if (expectKey && top) {
        const key = JSON.parse(json.slice(i, end + 1)) as string;
        if (top.has(key)) dupes.push(key);
        top.add(key);
        expectKey = false;
      }
      i = end;
    } else if (ch === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (ch === '[') {
      stack.push(null);
    } else if (ch === '}' || ch === ']') {
      stack.pop();
    } else if (ch === ',') {
      expectKey = stack.at(-1) instanceof Set;
    }
  }
  return dupes;
}
