import { describe, expect, it } from 'vitest';
import type { Client, ClientsApi, CommandError } from './api';
import { ClientsView } from './clients.svelte';

/** An in-memory stand-in for the engine that refuses names the way it does. */
class FakeEngine implements ClientsApi {
  rows: Client[] = [];
  failNext: unknown = null;
  private nextId = 1;

  private check(name: string, except?: number): string {
    const trimmed = name.trim();
    if (!trimmed) throw fieldError('invalid_input', 'Enter a client name.');
    if (this.rows.some((c) => !c.archived && c.id !== except && c.name.toLowerCase() === trimmed.toLowerCase()))
      throw fieldError('conflict', `There is already a client named “${trimmed}”.`);
    return trimmed;
  }
  private maybeFail() {
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = null;
      throw e;
    }
  }
  async list(includeArchived: boolean) {
    this.maybeFail();
    return this.rows.filter((c) => includeArchived || !c.archived).map((c) => ({ ...c }));
  }
  async create(name: string) {
    this.maybeFail();
    const client = { id: this.nextId++, name: this.check(name), archived: false, createdAt: 0, updatedAt: 0 };
    this.rows.push(client);
    return client;
  }
  async rename(id: number, name: string) {
    const client = this.rows.find((c) => c.id === id)!;
    client.name = this.check(name, id);
    return client;
  }
  async archive(id: number) {
    const client = this.rows.find((c) => c.id === id)!;
    client.archived = true;
    return client;
  }
  async unarchive(id: number) {
    const client = this.rows.find((c) => c.id === id)!;
    this.check(client.name, id);
    client.archived = false;
    return client;
  }
}

function fieldError(kind: CommandError['kind'], message: string): CommandError {
  return { kind, message, field: 'name' };
}

async function loaded(engine = new FakeEngine()) {
  const view = new ClientsView(engine);
  await view.load();
  return { view, engine };
}

describe('ClientsView', () => {
  it('starts empty and lists what it added, clearing the field', async () => {
    const { view } = await loaded();
    expect(view.loading).toBe(false);
    expect(view.active).toEqual([]);
    view.newName = 'Acme';
    expect(await view.add()).toBe(true);
    expect(view.newName).toBe('');
    expect(view.active.map((c) => c.name)).toEqual(['Acme']);
  });

  it('shows a refused name next to the field and keeps what was typed', async () => {
    const { view } = await loaded();
    view.newName = '   ';
    expect(await view.add()).toBe(false);
    expect(view.addError).toBe('Enter a client name.');
    expect(view.newName).toBe('   ');
    expect(view.notice).toBeNull();

    view.newName = 'Acme';
    await view.add();
    expect(view.addError).toBeNull();
    view.newName = 'ACME';
    await view.add();
    expect(view.addError).toContain('already a client');
    expect(view.newName).toBe('ACME');
  });

  it('renames inline and keeps the edit open on an error', async () => {
    const { view } = await loaded();
    for (const name of ['Acme', 'Globex']) {
      view.newName = name;
      await view.add();
    }
    const globex = view.active.find((c) => c.name === 'Globex')!;
    view.startRename(globex);
    view.editName = 'acme';
    expect(await view.saveRename()).toBe(false);
    expect(view.editingId).toBe(globex.id);
    expect(view.editError).toContain('already a client');

    view.editName = 'Globex Corp';
    expect(await view.saveRename()).toBe(true);
    expect(view.editingId).toBeNull();
    expect(view.active.map((c) => c.name)).toContain('Globex Corp');
  });

  it('moves archived clients to their own section and back', async () => {
    const { view } = await loaded();
    view.newName = 'Acme';
    await view.add();
    await view.archive(view.active[0]);
    expect(view.active).toEqual([]);
    expect(view.archived.map((c) => c.name)).toEqual(['Acme']);
    await view.unarchive(view.archived[0]);
    expect(view.active.map((c) => c.name)).toEqual(['Acme']);
  });

  it('an error with no field becomes a notice; Tauri string errors get the same shape', async () => {
    const { view, engine } = await loaded();
    view.newName = 'Acme';
    engine.failNext = 'command create_client not allowed by ACL';
    expect(await view.add()).toBe(false);
    expect(view.addError).toBeNull();
    expect(view.notice).toContain('not allowed by ACL');
    expect(view.newName).toBe('Acme');
  });

  it('a list that cannot be read is fatal, with the engine’s words', async () => {
    const engine = new FakeEngine();
    engine.failNext = { kind: 'newer_schema', message: 'written by a newer version', field: null };
    const { view } = await loaded(engine);
    expect(view.fatal?.kind).toBe('newer_schema');
    expect(view.fatal?.message).toContain('newer version');
  });
});
