#!/bin/bash
# Builds qmon_<version>_amd64.deb (see scripts/package/README.md). No root, no network: the Node runtime is this
# machine's own, the production dependencies are copied from the installed node_modules (their native binaries are
# already built), the models are the verified files in models/.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT_DIR=$PWD
OUT=${QMON_DEB_OUT:-$ROOT_DIR/deb-out}
STAGE=$OUT/stage
# The staged tree (~175 MB) is only the .deb's input: removed when the script ends, built or not (dpkg-deb -e and
# -x give its contents back); left behind, it filled the disk and `npm run check` linted its dist/.
trap 'rm -rf "$STAGE"' EXIT
VERSION=$(node -p 'require("./package.json").version')
PKG=$STAGE/root
LIB=$PKG/usr/lib/qmon
say() { echo "package: $*" >&2; }

# 1. The runtime: the Node that runs this script, if it is new enough and the right platform.
NODE_BIN=$(node -p 'process.execPath')
NODE_VERSION=$(node -p 'process.version')
node -e '
  const [maj, min] = process.versions.node.split(".").map(Number);
  if (process.platform !== "linux" || process.arch !== "x64") { console.error(`package: Node is ${process.platform}-${process.arch}; the package is linux-x64`); process.exit(1); }
  if (maj < 20 || (maj === 20 && min < 9)) { console.error(`package: Node ${process.version} is older than 20.9 (package.json engines)`); process.exit(1); }'

# 2. The compiled agent.
T0=$(date +%s)
say "building dist/"
npm run --silent build

say "dist/ built in $(( $(date +%s) - T0 )) s"
rm -rf "$STAGE"
mkdir -p "$LIB/node/bin" "$PKG/usr/bin" "$PKG/etc/qmon" "$PKG/usr/share/doc/qmon" \
  "$PKG/usr/lib/systemd/system" "$PKG/usr/lib/sysusers.d" "$PKG/usr/lib/tmpfiles.d" "$PKG/DEBIAN"
install -m 0755 "$NODE_BIN" "$LIB/node/bin/node"
echo "$NODE_VERSION" > "$LIB/node/VERSION"
cp -r dist "$LIB/dist"
find "$LIB/dist" \( -name '*.map' -o -name '*.d.ts' -o -name '*.tsbuildinfo' \) -delete
# "type": "module" and the version are read from here at run time; nothing else of package.json is needed.
node -e 'const p=require("./package.json"); process.stdout.write(JSON.stringify({name:p.name,version:p.version,type:p.type,private:true,license:p.license},null,2)+"\n")' > "$LIB/package.json"

# 3. Production dependencies only: the top-level packages `npm ls --omit=dev` names (their nested node_modules are
#    theirs, hence production too), then pruned to what linux-x64 loads.
say "copying production dependencies"
mkdir -p "$LIB/node_modules"
npm ls --omit=dev --all --parseable 2>/dev/null | sed "s#^$ROOT_DIR/##" | grep -E '^node_modules/(@[^/]+/)?[^/@]+$' | sort -u |
while read -r dir; do
  mkdir -p "$LIB/$(dirname "$dir")"
  cp -a "$(readlink -f "$dir")" "$LIB/$dir"
done
NM=$LIB/node_modules
ORT=$NM/onnxruntime-node/bin
find "$ORT" -mindepth 2 -maxdepth 2 -type d ! -path '*/linux' -exec rm -rf {} +
find "$ORT" -mindepth 3 -maxdepth 3 -type d ! -path '*/linux/x64' -exec rm -rf {} +
find "$ORT" \( -name '*providers_cuda*' -o -name '*providers_tensorrt*' -o -name '*providers_shared*' \) -delete
rm -rf "$NM/onnxruntime-node/script" "$NM/better-sqlite3/deps" "$NM/better-sqlite3/src"
find "$NM/better-sqlite3/build" -mindepth 1 ! -path '*/Release' ! -name better_sqlite3.node -prune -exec rm -rf {} +
find "$NM" -depth \( -type d \( -name test -o -name tests -o -name __tests__ -o -name example -o -name examples -o -name docs -o -name .github \) \) -prune -exec rm -rf {} +
find "$NM" -type f \( -name '*.md' -o -name '*.map' -o -name '*.ts' -o -name '*.tsbuildinfo' -o -name '.npmignore' -o -name '.eslintrc*' -o -name '.travis.yml' -o -name 'Makefile' -o -name '*.gyp' -o -name '*.gypi' -o -name '*.cc' -o -name '*.h' \) -delete
find "$NM" -type d -name benchmarks -prune -exec rm -rf {} +
find "$NM" -type f \( -name '.gitattributes' -o -name '.gitignore' \) -delete
# Types packages are production deps of some libraries but never loaded at run time.
rm -rf "$NM/@types"
# Nothing under node_modules/ or dist/ is run directly (node loads it; native modules are dlopen()ed): no executable
# bits, no world-writable files from npm tarballs. Debug symbols are of no use on a mini-PC.
chmod -R u+rwX,go+rX,go-w "$LIB"
find "$NM" "$LIB/dist" -type f -exec chmod a-x {} +
find "$NM" -type f \( -name '*.node' -o -name '*.so' -o -name '*.so.*' \) -exec strip --strip-unneeded {} +
strip --strip-unneeded "$LIB/node/bin/node"

# 4. The models, verified against models.json here so a broken file never ships.
say "verifying models"
mkdir -p "$LIB/models"
"$LIB/node/bin/node" --input-type=module -e '
  import { createHash } from "node:crypto"; import { readFileSync, copyFileSync } from "node:fs";
  const [src, dst] = process.argv.slice(1);
  const m = JSON.parse(readFileSync(`${src}/models.json`, "utf8"));
  for (const e of m.models) {
    const b = readFileSync(`${src}/${e.file}`);
    const h = createHash("sha256").update(b).digest("hex");
    if (h !== e.sha256 || b.length !== e.bytes) { console.error(`package: models/${e.file} does not match models.json (run npm run models)`); process.exit(1); }
    copyFileSync(`${src}/${e.file}`, `${dst}/${e.file}`);
  }
  copyFileSync(`${src}/models.json`, `${dst}/models.json`);' models "$LIB/models"
chmod 0644 "$LIB/models/"*

# 5. Service, config, command, docs.
install -m 0644 systemd/qmon.service "$PKG/usr/lib/systemd/system/qmon.service"
install -m 0644 systemd/qmon.sysusers "$PKG/usr/lib/sysusers.d/qmon.conf"
install -m 0644 systemd/qmon.tmpfiles "$PKG/usr/lib/tmpfiles.d/qmon.conf"
install -m 0644 config/example.yaml "$PKG/etc/qmon/qmon.yaml"
install -m 0755 packaging/debian/qmon.sh "$PKG/usr/bin/qmon"
install -m 0644 README.md "$PKG/usr/share/doc/qmon/README.md"
install -m 0644 -D packaging/debian/lintian-overrides "$PKG/usr/share/lintian/overrides/qmon"
install -m 0644 packaging/debian/copyright "$PKG/usr/share/doc/qmon/copyright"
sed "s/@VERSION@/$VERSION/" packaging/debian/changelog | gzip -9n > "$PKG/usr/share/doc/qmon/changelog.Debian.gz"
chmod 0644 "$PKG/usr/share/doc/qmon/changelog.Debian.gz"

# 6. Control files.
for f in postinst prerm postrm; do install -m 0755 "packaging/debian/$f" "$PKG/DEBIAN/$f"; done
install -m 0644 packaging/debian/conffiles "$PKG/DEBIAN/conffiles"
SIZE_KB=$(du -sk --exclude=DEBIAN "$PKG" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@SIZE_KB@/$SIZE_KB/" -e "s/@NODE_VERSION@/$NODE_VERSION/" packaging/debian/control > "$PKG/DEBIAN/control"
find "$PKG" -type d -exec chmod 0755 {} +
# /etc/qmon and qmon.yaml are tightened to root:qmon 0750/0640 by postinst, once the qmon group exists.

DEB=$OUT/qmon_${VERSION}_amd64.deb
SECONDS=0
# gzip: seconds where xz takes minutes on a loaded build machine (lintian refuses zstd members).
dpkg-deb --root-owner-group -Zgzip -z6 --build "$PKG" "$DEB" >&2
say "compressed in ${SECONDS} s"
say "built $DEB ($(du -h "$DEB" | cut -f1), installed size ${SIZE_KB} KiB, Node $NODE_VERSION)"
echo "$DEB"
