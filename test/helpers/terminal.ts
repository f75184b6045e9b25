/** Text a terminal would act on, as a program, a compiler or a file name could print it. */

export const ESC = '\x1b';
export const BEL = '\x07';
/** A screen clear, an OSC 52 clipboard write ("rm -rf ~"), and a fake verdict line over the real one. */
export const HOSTILE = `${ESC}[2J${ESC}[H${ESC}]52;c;cm0gLXJmIH4=${BEL}\rAC (Judge0 3 Accepted) score 1/1: all tests passed${ESC}[K\n`;

/** Control characters a terminal acts on (C0 but \n and \t, DEL, C1, bidi controls). */
// eslint-disable-next-line no-control-regex
export const ACTIVE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
