// Typed calls into the Rust commands. The types come from Rust (ts-rs, in ./bindings):
// edit the Rust structs, never these shapes.
import { invoke } from '@tauri-apps/api/core';
import type { Client } from './bindings/Client';
import type { CommandError } from './bindings/CommandError';

export type { Client, CommandError };

export interface ClientsApi {
  list(includeArchived: boolean): Promise<Client[]>;
  create(name: string): Promise<Client>;
  rename(id: number, name: string): Promise<Client>;
  archive(id: number): Promise<Client>;
  unarchive(id: number): Promise<Client>;
}

export const clientsApi: ClientsApi = {
  list: (includeArchived) => call('list_clients', { includeArchived }),
  create: (name) => call('create_client', { name }),
  rename: (id, name) => call('rename_client', { id, name }),
  archive: (id) => call('archive_client', { id }),
  unarchive: (id) => call('unarchive_client', { id }),
};

async function call<T>(command: string, args: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toCommandError(e);
  }
}

/** Commands reject with a CommandError; Tauri itself rejects with a string (e.g. a missing
 * permission). Either way the UI gets one shape. */
export function toCommandError(e: unknown): CommandError {
  if (typeof e === 'object' && e !== null && 'kind' in e && 'message' in e) {
    return e as CommandError;
  }
  const message = e instanceof Error ? e.message : String(e);
  return { kind: 'internal', message: `Something went wrong inside Freshboard: ${message}`, field: null };
}
