import { errorMessage } from './errors.js';
/** What one component says about itself for `/readyz`. */
export interface ComponentStatus {
  readonly ready: boolean;
  /** A short state word: `ready`, `synced`, `not synced`, `disabled`, `unreachable`, … */
  readonly state: string;
  /** Why it is not ready, or what it is doing. */
  readonly detail?: string;
}

/** A part of the server whose readiness `/readyz` reports. */
export interface ReadinessSource {
  readonly name: string;
  status(): ComponentStatus;
}

/** The readiness of every registered component; ready only when all of them are. */
export class Readiness {
  readonly #sources: ReadinessSource[] = [];

  /** Adds a component to the report. */
  register(source: ReadinessSource): void {
    this.#sources.push(source);
  }

  /** Each component's status, and whether all are ready. */
  report(): { ready: boolean; components: Record<string, ComponentStatus> } {
    const components: Record<string, ComponentStatus> = {};
    let ready = true;
    for (const s of this.#sources) {
      let status: ComponentStatus;
      try {
        status = s.status();
      } catch (err) {
        status = { ready: false, state: 'error', detail: errorMessage(err) };
      }
      components[s.name] = status;
      ready &&= status.ready;
    }
    return { ready, components };
  }
}
