// View logic of the add-widget form: what is picked, and the engine's refusals routed to the
// field they name. The engine judges ranges and metrics; the only local check is that a
// metric was picked at all, so the first error is not "unknown metric ''".
import { toCommandError, type DashboardsApi, type DateRange, type Visual } from './api';

export type WidgetField = 'metric' | 'range';
const FIELDS: readonly string[] = ['metric', 'range'];

/** Numbers fit one cell; charts and tables need room. */
export function defaultSize(visual: Visual): { width: number; height: number } {
  return visual === 'number' ? { width: 1, height: 1 } : { width: 2, height: 2 };
}

export class AddWidgetForm {
  open = $state(false);
  metric = $state('');
  range = $state<DateRange>({ kind: 'last_days', days: 30 });
  visual = $state<Visual>('number');
  compare = $state(true);
  errors = $state<Partial<Record<WidgetField, string>>>({});
  /** An error that belongs to no field on the form (a size, a removed dashboard). */
  formError = $state<string | null>(null);
  busy = $state(false);

  constructor(
    private api: Pick<DashboardsApi, 'addWidget'>,
    /** The dashboard the widget goes on: the one selected when the form is sent. */
    private target: () => number | null,
    private onAdded: () => Promise<void>,
  ) {}

  show(): void {
    this.open = true;
  }

  /** Closing forgets what was picked: the next widget starts from the defaults. */
  hide(): void {
    this.open = false;
    this.metric = '';
    this.range = { kind: 'last_days', days: 30 };
    this.visual = 'number';
    this.compare = true;
    this.clearErrors();
  }

  async submit(): Promise<boolean> {
    const dashboardId = this.target();
    if (this.busy || dashboardId === null) return false;
    this.clearErrors();
    if (this.metric === '') {
      this.errors = { metric: 'Choose a metric.' };
      return false;
    }
    this.busy = true;
    try {
      await this.api.addWidget(dashboardId, {
        metric: this.metric,
        range: this.range,
        comparison: this.compare ? 'previous_period' : 'none',
        visual: this.visual,
        ...defaultSize(this.visual),
      });
      this.hide();
      await this.onAdded();
      return true;
    } catch (e) {
      const error = toCommandError(e);
      if (error.field && FIELDS.includes(error.field)) this.errors = { [error.field as WidgetField]: error.message };
      else this.formError = error.message;
      return false;
    } finally {
      this.busy = false;
    }
  }

  private clearErrors(): void {
    this.errors = {};
    this.formError = null;
  }
}
