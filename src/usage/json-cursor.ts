/**
 * A reader of JSON text from its bytes, for scans that pick a few values out of a large body
 * without building it (page-scan.ts). It checks the grammar as it goes (a value it skips is still
 * checked) and reads strings as JSON.parse reads the latin1 text: bytes as latin1 characters,
 * escapes applied. Anything it does not expect throws UNSURE; its caller then falls back to JSON.parse.
 */
import { Buffer } from 'node:buffer';

export const QUOTE = 34;
export const BACKSLASH = 92;
export const COMMA = 44;
export const COLON = 58;
export const MINUS = 45;
export const OPEN_OBJECT = 123;
export const CLOSE_OBJECT = 125;
export const OPEN_LIST = 91;
export const CLOSE_LIST = 93;

/** Not what the reader expects, or not JSON: its caller reads the text with JSON.parse instead. Thrown as is: no stack to build. */
export const UNSURE = { unsure: true };

const ESCAPED: Record<number, string> = { 34: '"', 92: '\\', 47: '/', 98: '\b', 102: '\f', 110: '\n', 114: '\r', 116: '\t' };
/** 1 at the bytes that may follow a backslash (but `u`) */
export const ESCAPE = new Uint8Array(256);
for (const c of Object.keys(ESCAPED)) ESCAPE[Number(c)] = 1;
/** 1 at the bytes that stand for themselves inside a string: all but quote, backslash and control characters */
export const PLAIN = new Uint8Array(256).fill(1, 32);
PLAIN[QUOTE] = PLAIN[BACKSLASH] = 0;

export class JsonCursor {
  /** the byte at hand */
  i = 0;
  /** set by stringEnd: the string had a backslash, a `\u` */
  protected escaped = false;
  protected unicode = false;
  /** set by string(): the bounds of the string's text, quotes excluded */
  protected start = 0;
  protected end = 0;

  /** the same bytes, read four at a time (plainEnd, and page-scan.ts's key matching) */
  protected readonly words: DataView;

  constructor(protected readonly b: Buffer) {
    this.words = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  /** A string, number, true, false or null as JSON.parse gives it; an object or a list is not read here. */
  protected scalar(): unknown {
    const c = this.peek();
    if (this.string()) return this.escaped ? this.decode(this.start, this.end) : this.b.toString('latin1', this.start, this.end);
    if (c === OPEN_OBJECT || c === OPEN_LIST) throw UNSURE;
    return this.literalOrNumber();
  }

  /** At a string: its text's bounds in `start` and `end` (escapes not applied) and past its closing quote; false at any other value. */
  protected string(): boolean {
    if (this.b[this.i] !== QUOTE) return false;
    this.start = this.i + 1;
    this.end = this.stringEnd(this.start);
    this.i = this.end + 1;
    return true;
  }

  protected numberOrNull(): number | null {
    const c = this.peek();
    if (c === MINUS || (c >= 48 && c <= 57)) return this.number();
    this.skipValue();
    return null;
  }

  protected skipValue(): void {
    const c = this.peek();
    if (c === QUOTE) {
      this.i++;
      this.i = this.stringEnd(this.i) + 1;
    } else if (c === OPEN_OBJECT) {
      this.i++;
      if (this.close(CLOSE_OBJECT)) return;
      do {
        if (this.peek() !== QUOTE) throw UNSURE;
        this.i++;
        this.i = this.stringEnd(this.i) + 1;
        this.open(COLON);
        this.skipValue();
      } while (this.next(CLOSE_OBJECT));
    } else if (c === OPEN_LIST) {
      this.i++;
      if (this.close(CLOSE_LIST)) return;
      do this.skipValue();
      while (this.next(CLOSE_LIST));
    } else this.literalOrNumber();
  }

  protected literalOrNumber(): unknown {
    const b = this.b;
    const i = this.i;
    const c = b[i];
    if (c === MINUS || (c >= 48 && c <= 57)) return this.number();
    if (c === 116 && b[i + 1] === 114 && b[i + 2] === 117 && b[i + 3] === 101) return (this.i += 4), true;
    if (c === 102 && b[i + 1] === 97 && b[i + 2] === 108 && b[i + 3] === 115 && b[i + 4] === 101) return (this.i += 5), false;
    if (c === 110 && b[i + 1] === 117 && b[i + 2] === 108 && b[i + 3] === 108) return (this.i += 4), null;
    throw UNSURE;
  }

  /** A JSON number, checked against the grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` */
  protected number(): number {
    const b = this.b;
    const start = this.i;
    let i = start;
    if (b[i] === MINUS) i++;
    let value = 0;
    const digits = i;
    if (b[i] === 48) i++;
    else if (b[i] >= 49 && b[i] <= 57) for (; b[i] >= 48 && b[i] <= 57; i++) value = value * 10 + (b[i] - 48);
    else throw UNSURE;
    let plain = i - digits <= 15;
    if (b[i] === 46) {
      plain = false;
      if (!(b[++i] >= 48 && b[i] <= 57)) throw UNSURE;
      while (b[i] >= 48 && b[i] <= 57) i++;
    }
    if (b[i] === 101 || b[i] === 69) {
      plain = false;
      if (b[++i] === 43 || b[i] === MINUS) i++;
      if (!(b[i] >= 48 && b[i] <= 57)) throw UNSURE;
      while (b[i] >= 48 && b[i] <= 57) i++;
    }
    this.i = i;
    // up to 15 digits an integer is exact as summed; anything else is converted as JSON.parse does
    if (!plain) return Number(b.toString('latin1', start, i));
    return b[start] === MINUS ? -value : value;
  }

  /**
   * From `start`, just after an opening quote, to the index of the closing one, checking every escape; sets
   * `escaped` and `unicode`. A control character or the end of the body is not JSON.
   */
  protected stringEnd(start: number): number {
    const b = this.b;
    const n = b.length;
    let i = start;
    let escaped = false;
    let unicode = false;
    for (;;) {
      // only quotes, backslashes and control characters stop here (page-scan.ts otherValue runs
      // this loop too, watching for its markers in the same pass)
      i = this.plainEnd(i);
      if (i >= n) throw UNSURE;
      const c = b[i];
      if (c === QUOTE) break;
      if (c !== BACKSLASH) throw UNSURE; // a control character
      escaped = true;
      const e = b[i + 1];
      if (e === 117) {
        unicode = true;
        for (let k = 2; k < 6; k++) if (!isHex(b[i + k])) throw UNSURE;
        i += 6;
      } else if (ESCAPE[e] === 1) i += 2;
      else throw UNSURE;
    }
    this.escaped = escaped;
    this.unicode = unicode;
    return i;
  }

  /**
   * The first index from `i` of a byte that is not PLAIN (a quote, a backslash, a control
   * character), or the body's length. Four bytes at a time while none of them is one: a word has a
   * byte equal to x when (w ^ x*0x01010101) has a zero byte, and a zero byte, or one below 0x20, when
   * (v - n*0x01010101) & ~v & 0x80808080 is not 0 (exact, for n <= 0x80); then byte by byte.
   */
  protected plainEnd(i: number): number {
    const b = this.b;
    const words = this.words;
    for (const last = b.length - 4; i <= last; i += 4) {
      const w = words.getInt32(i, true);
      const quote = w ^ 0x22222222;
      const backslash = w ^ 0x5c5c5c5c;
      if ((((quote - 0x01010101) & ~quote) | ((backslash - 0x01010101) & ~backslash) | ((w - 0x20202020) & ~w)) & 0x80808080) break;
    }
    while (i < b.length && PLAIN[b[i]] === 1) i++;
    return i;
  }

  /** The string [start, end) with escapes, as JSON.parse of the latin1 text gives it. */
  protected decode(start: number, end: number): string {
    const b = this.b;
    let text = '';
    let run = start;
    for (let p = start; p < end; p++) {
      if (b[p] !== BACKSLASH) continue;
      text += b.toString('latin1', run, p);
      const e = b[++p];
      if (e === 117) {
        text += String.fromCharCode(Number.parseInt(b.toString('latin1', p + 1, p + 5), 16));
        p += 4;
      } else text += ESCAPED[e];
      run = p + 1;
    }
    return text + b.toString('latin1', run, end);
  }

  /** A key of an object (as text) and its colon. */
  protected key(): string {
    if (this.peek() !== QUOTE) throw UNSURE;
    const start = ++this.i;
    const end = this.stringEnd(this.i);
    this.i = end + 1;
    this.open(COLON);
    return this.escaped ? this.decode(start, end) : this.b.toString('latin1', start, end);
  }

  protected peek(): number {
    this.i = ws(this.b, this.i);
    return this.i < this.b.length ? this.b[this.i] : -1;
  }

  protected open(c: number): void {
    if (this.peek() !== c) throw UNSURE;
    this.i++;
  }

  /** Consumes `c` if it comes next (an empty object or list). */
  protected close(c: number): boolean {
    if (this.peek() !== c) return false;
    this.i++;
    return true;
  }

  /** After a member: true at a comma (another follows), false at `end`. */
  protected next(end: number): boolean {
    const c = this.peek();
    this.i++;
    if (c === COMMA) return true;
    if (c === end) return false;
    throw UNSURE;
  }
}


/** The index of the first byte from `i` on that is not JSON whitespace. */
export function ws(b: Buffer, i: number): number {
  for (let c = b[i]; c === 32 || c === 10 || c === 13 || c === 9; c = b[++i]);
  return i;
}

const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
