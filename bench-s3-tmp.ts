import { spawnSync } from 'node:child_process';
import { startS3TestServer } from './test/support/s3-test-server.js';
const server = await startS3TestServer();
try {
  spawnSync(process.execPath, ['--import', 'tsx', 'bench/report-api.ts', `s3://${server.bucket}/bench`], { stdio: 'inherit', env: { ...process.env, ...server.env } });
} finally {
  await server.stop();
}
