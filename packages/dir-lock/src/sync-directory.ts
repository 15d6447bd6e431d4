import { open } from 'node:fs/promises';

/** fsyncs a directory, making the creation or removal of its entries durable. */
export async function syncDirectory(dir: string): Promise<void> {
  // Windows cannot open a directory for syncing; NTFS journals its metadata.
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
