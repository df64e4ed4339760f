// View logic of the client list: what is shown, which error goes next to which field, and
// that typed text is never lost when the engine refuses it. The engine is the one judge of
// what a valid name is; this only routes its answers.
import { toCommandError, type Client, type ClientsApi, type CommandError } from './api';

export class ClientsView {
  clients = $state<Client[]>([]);
  loading = $state(true);
  /** The list could not be read at all (e.g. the database belongs to a newer Freshboard). */
  fatal = $state<CommandError | null>(null);
  /** An error that belongs to no field, shown above the list. */
  notice = $state<string | null>(null);

  newName = $state('');
  addError = $state<string | null>(null);
  busy = $state(false);

  editingId = $state<number | null>(null);
  editName = $state('');
  editError = $state<string | null>(null);

  active = $derived(this.clients.filter((c) => !c.archived));
  archived = $derived(this.clients.filter((c) => c.archived));

  constructor(private api: ClientsApi) {}

  async load(): Promise<void> {
    try {
      this.clients = await this.api.list(true);
      this.fatal = null;
    } catch (e) {
      this.fatal = toCommandError(e);
    } finally {
      this.loading = false;
    }
  }

  async add(): Promise<boolean> {
    this.addError = null;
    const ok = await this.run(() => this.api.create(this.newName), (message) => (this.addError = message));
    if (ok) this.newName = '';
    return ok;
  }

  startRename(client: Client): void {
    this.editingId = client.id;
    this.editName = client.name;
    this.editError = null;
  }

  cancelRename(): void {
    this.editingId = null;
    this.editError = null;
  }

  async saveRename(): Promise<boolean> {
    const id = this.editingId;
    if (id === null) return false;
    this.editError = null;
    const ok = await this.run(() => this.api.rename(id, this.editName), (message) => (this.editError = message));
    if (ok) this.editingId = null;
    return ok;
  }

  archive(client: Client): Promise<boolean> {
    return this.run(() => this.api.archive(client.id));
  }

  unarchive(client: Client): Promise<boolean> {
    return this.run(() => this.api.unarchive(client.id));
  }

  /** Runs one change, then re-reads the list: the engine's order and state are the truth.
   * A field error goes to `onFieldError`; anything else becomes the notice. */
  private async run(change: () => Promise<unknown>, onFieldError?: (message: string) => void): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    this.notice = null;
    try {
      await change();
      await this.load();
      return true;
    } catch (e) {
      const error = toCommandError(e);
      if (error.field && onFieldError) onFieldError(error.message);
      else this.notice = error.message;
      return false;
    } finally {
      this.busy = false;
    }
  }
}
