/** Every long-lived component: `start()` once, `close()` any number of times. */
export interface Service {
  start: () => Promise<void>
  close: () => Promise<void>
}
