/**
 * Bundles bench/gpu-check.ts for a machine with Node but no node_modules and no tsx (bench/gpu-prepare.sh's
 * bundling step, alone: `node bench/gpu-bundle.mjs OUTDIR`). OUTDIR receives
 *   gpu-check.cjs   bench/gpu-check.ts and its dependencies in one CommonJS file (CommonJS, because tfjs's wasm
 *                   backend finds its binaries through __dirname), beside tfjs's three .wasm files;
 *   tree/           the files the repo's modules find beside themselves, at their repo-relative paths.
 * A bundle is one file, but the engines locate files relative to their own module: linear-cpu and mlp-cpu start
 * worker threads on `new URL('./worker.ts', import.meta.url)` through `./worker-bootstrap.mjs` (which registers
 * tsx) and read `./kernels.wasm` (two different files of one name). So every bundled repo module gets its own
 * original location, `import.meta.url` being the URL of OUTDIR/tree/<its repo-relative path>, and each file such
 * a module names with `new URL('<literal>', import.meta.url)` is put there: a .wasm copied, a .ts worker bundled
 * the same way as tree/<path>.cjs, and worker-bootstrap.mjs replaced by one that loads that .cjs (no tsx). The
 * engines' code is unchanged and runs as in the repo. Run from anywhere, with the repo's npm ci done.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
if (!process.argv[2]) {
  console.error('usage: node bench/gpu-bundle.mjs OUTDIR');
  process.exit(2);
}
const out = resolve(process.argv[2]);
const tree = join(out, 'tree');

// What runs instead of src/train/engines/wasm-worker/worker-bootstrap.mjs: the worker's entry is the .ts the
// engine names; its bundle lies beside it as .cjs.
const BUNDLED_BOOTSTRAP = `// Written by bench/gpu-bundle.mjs: loads the bundled worker (<entry>.cjs) where the repo's bootstrap registers
// tsx and imports the TypeScript entry.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { workerData } from 'node:worker_threads';

createRequire(import.meta.url)(fileURLToPath(workerData.entry).replace(/\\.ts$/, '.cjs'));
`;

/** `new URL('./x', import.meta.url)`: the files a module finds beside itself. */
const SIBLING = /new URL\(\s*'([^']+)',\s*import\.meta\.url\s*\)/g;

/** Repo-relative paths of the files the bundled modules name beside themselves. */
const named = new Set();

/**
 * Gives each repo module in a bundle written to `outfile` its original location: import.meta.url becomes
 * OUTDIR/tree/<repo-relative path>, computed from the bundle's own __dirname, so OUTDIR can move.
 */
function originalLocations(outfile) {
  return {
    name: 'original-locations',
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: /\.ts$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        const path = relative(ROOT, args.path);
        if (path.startsWith('..') || path.startsWith('node_modules') || !source.includes('import.meta.url'))
          return undefined;
        for (const [, sibling] of source.matchAll(SIBLING)) named.add(join(dirname(path), sibling));
        const location = relative(dirname(outfile), join(tree, path));
        const url = `require('node:url').pathToFileURL(require('node:path').join(__dirname, ${JSON.stringify(location)})).href`;
        return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
      });
    },
  };
}

async function bundle(entry, outfile) {
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    // Any import.meta left (a dependency's) would be empty in CommonJS: fail rather than resolve next to nothing.
    logOverride: { 'empty-import-meta': 'error' },
    plugins: [originalLocations(outfile)],
  });
}

rmSync(tree, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await bundle('bench/gpu-check.ts', join(out, 'gpu-check.cjs'));
const tfjsWasm = join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
for (const file of readdirSync(tfjsWasm).filter((f) => f.endsWith('.wasm')))
  copyFileSync(join(tfjsWasm, file), join(out, file));

// Workers name files of their own (kernels.wasm), so this runs until nothing new is named.
const placed = new Set();
for (let pending = [...named]; pending.length > 0; pending = [...named].filter((p) => !placed.has(p))) {
  for (const path of pending) {
    placed.add(path);
    // The cuda addon's default location (build/cuda/): gpu-check.sh builds the addon and passes --addon.
    if (path.endsWith('.node')) continue;
    const target = join(tree, path);
    mkdirSync(dirname(target), { recursive: true });
    if (path.endsWith('.wasm')) copyFileSync(join(ROOT, path), target);
    else if (path.endsWith('.ts')) await bundle(path, target.replace(/\.ts$/, '.cjs'));
    else if (path.endsWith('/worker-bootstrap.mjs')) writeFileSync(target, BUNDLED_BOOTSTRAP);
    else throw new Error(`gpu-bundle: no rule to place ${path}, which a bundled module names`);
  }
}
