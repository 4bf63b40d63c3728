import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

// `adgap serve` imports the API only after the CLI has loaded the report modules, whose zod schemas are then
// made before @hono/zod-openapi extends zod: the app must build its OpenAPI document all the same.
it('builds the OpenAPI document when the report modules were loaded before it, as adgap serve loads them', async () => {
  await import('../../src/report/format.js');
  const { createApp } = await import('../../src/api/app.js');
  const { LocalFolderStore } = await import('../../src/store/local-folder.js');
  const store = new LocalFolderStore(await mkdtemp(join(tmpdir(), 'adgap-load-order-')));
  const response = await createApp(store).request('/openapi.json');
  expect(response.status).toBe(200);
  const document = (await response.json()) as {
    components: {
      schemas: { Report: { properties: { rows: { items: { properties: Record<string, object> } } } } };
    };
  };
  const row = document.components.schemas.Report.properties.rows.items.properties;
  expect(row.robustAd).toMatchObject({
    description: 'AD on the balanced test set under the training attack',
  });
});
