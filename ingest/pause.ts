/**
 * A wait that `wake` ends early: a follow loop's pause before its next poll, cut short by a
 * notification or by stop; a reader's wait for the next item. Waking with no wait under way does
 * nothing (the caller checks its own state before waiting again).
 */
export class Pause {
  private cut: (() => void) | undefined;

  /** Waits `ms`, or until `wake`. */
  async for(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.cut = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.cut = undefined;
  }

  wake(): void {
    this.cut?.();
  }
}
