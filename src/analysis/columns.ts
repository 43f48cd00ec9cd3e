type TypedArray = Float64Array | Float32Array | Uint8Array;
type TypedCtor<T extends TypedArray> = { new (length: number): T };

/**
 * A growable typed array: values appended one at a time, stored unboxed
 * (8, 4 or 1 bytes each), doubling its capacity as it fills.
 */
export class Column<T extends TypedArray> {
  private data: T;
  length = 0;

  constructor(
    private readonly ctor: TypedCtor<T>,
    capacity = 1024,
  ) {
    this.data = new ctor(capacity);
  }

  push(v: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = v;
  }

  /** Appends every value of a list (one capacity check). */
  pushAll(values: readonly number[]): void {
    const n = values.length;
    if (this.length + n > this.data.length) this.grow(this.length + n);
    const data = this.data;
    let at = this.length;
    for (let i = 0; i < n; i++) data[at++] = values[i]!;
    this.length = at;
  }

  /** Appends every value of a typed array (one copy). */
  append(values: ArrayLike<number>): void {
    if (this.length + values.length > this.data.length) this.grow(this.length + values.length);
    this.data.set(values as never, this.length);
    this.length += values.length;
  }

  private grow(atLeast: number): void {
    let size = this.data.length * 2;
    while (size < atLeast) size *= 2;
    const next = new this.ctor(size);
    next.set(this.data as never);
    this.data = next;
  }

  /** The values so far, sharing this column's storage (valid until the next push). */
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }

  /** A Float64Array copy of the values at the indices `keep` accepts, in order. */
  filtered(keep: (i: number) => boolean): Float64Array {
    const out = new Float64Array(this.length);
    let j = 0;
    for (let i = 0; i < this.length; i++) if (keep(i)) out[j++] = this.data[i]!;
    return out.subarray(0, j);
  }
}
