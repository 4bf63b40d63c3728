import cliProgress from 'cli-progress';
import type { DownloadProgress } from './download.js';

const megabytes = (bytes: number) => (bytes / 1e6).toFixed(1);

/**
 * A download's progress on stderr: a bar (megabytes so far of the total, rate, time left) on a terminal; a line
 * when it starts and one when it ends otherwise, so logs record what was fetched and how long it took.
 */
export function stderrDownloadProgress(stream: NodeJS.WriteStream = process.stderr): DownloadProgress {
  let bar: cliProgress.SingleBar | undefined;
  let url = '';
  let received = 0;
  let startedAt = 0;
  return {
    begin(fileUrl, totalBytes) {
      url = fileUrl;
      received = 0;
      startedAt = Date.now();
      const size = totalBytes === undefined ? 'size unknown' : `${megabytes(totalBytes)} MB`;
      if (!stream.isTTY) {
        stream.write(`downloading ${url} (${size})\n`);
        return;
      }
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: `${url.split('/').at(-1)} {bar} {percentage}% | {received}/{size} | {speed} MB/s | eta {eta_formatted}`,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(totalBytes ?? 0, 0, { received: '0.0', size, speed: '0.0' });
    },
    advance(bytes) {
      received += bytes;
      const seconds = Math.max((Date.now() - startedAt) / 1000, 1e-3);
      bar?.update(received, { received: megabytes(received), speed: megabytes(received / seconds) });
    },
    end() {
      if (bar) {
        bar.stop();
        bar = undefined;
        return;
      }
      const seconds = Math.round((Date.now() - startedAt) / 1000);
      stream.write(`downloaded ${megabytes(received)} MB from ${url} in ${seconds} s\n`);
    },
  };
}
