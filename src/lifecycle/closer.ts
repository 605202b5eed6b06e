/** A part's clean-up, run in reverse wiring order at shutdown. */
export type Closer = () => Promise<void> | void;
