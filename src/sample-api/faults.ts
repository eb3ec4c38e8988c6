// Test-only fault switches: they live on the object startSampleApi returns and nowhere else, so
// nothing reachable over HTTP can turn one on. They let the app's tests meet a failing API.

export interface SampleApiFaults {
  /** Answer /hello with this status (400-599) without looking at the token; null to answer honestly. */
  status: number | null;
  /** Hold every /hello request until close(). */
  hang: boolean;
  /** Switches every fault off. */
  reset(): void;
}

export class Faults implements SampleApiFaults {
  #status: number | null = null;
  hang = false;

  get status(): number | null { return this.#status; }
  set status(value: number | null) {
    if (value !== null && (!Number.isInteger(value) || value < 400 || value > 599)) {
      throw new TypeError(`faults.status must be null or an error status from 400 to 599, got ${String(value)}`);
    }
    this.#status = value;
  }

  reset(): void {
    this.#status = null;
    this.hang = false;
  }
}
