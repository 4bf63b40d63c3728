import cliProgress from 'cli-progress';
import type { DownloadProgress } from './download.js';

/** Bytes in the unit that suits `scale` bytes: kB below a megabyte (the label files), MB above. */
const inUnitOf = (scale: number) => (bytes: number) =>
  scale < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * A download's progress on stderr: a bar (megabytes so far of the total, rate, time left) on a terminal; a line
 * when it starts and one when it ends otherwise, so logs record what was fetched and how long it took.
 */
export function stderrDownloadProgress(stream: NodeJS.WriteStream = process.stderr): DownloadProgress {
  let bar: cliProgress.SingleBar | undefined;
  let url = '';
  let received = 0;
  let startedAt = 0;
  let size = inUnitOf(0);
  return {
    begin(fileUrl, totalBytes) {
      url = fileUrl;
      received = 0;
      startedAt = Date.now();
      size = inUnitOf(totalBytes ?? 1e6);
      const total = totalBytes === undefined ? 'size unknown' : size(totalBytes);
      if (!stream.isTTY) {
        stream.write(`downloading ${url} (${total})\n`);
        return;
      }
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: `${url.split('/').at(-1)} {bar} {percentage}% | {received} of {size} | {speed} MB/s | eta {eta_formatted}`,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(totalBytes ?? 0, 0, { received: size(0), size: total, speed: '0.0' });
    },
    advance(bytes) {
      received += bytes;
      const seconds = Math.max((Date.now() - startedAt) / 1000, 1e-3);
      bar?.update(received, { received: size(received), speed: (received / seconds / 1e6).toFixed(1) });
    },
    end() {
      if (bar) {
        bar.stop();
        bar = undefined;
        return;
      }
      const seconds = Math.round((Date.now() - startedAt) / 1000);
      stream.write(`downloaded ${size(received)} from ${url} in ${seconds} s\n`);
    },
  };
}
