/** How bytes travel in the wire's JSON (schema.ts): UTF-8 text, or base64 for anything else. */
import { z } from 'zod';

export const encoding = z.enum(['utf8', 'base64']).default('utf8');
export const base64Text = /^[A-Za-z0-9+/]*={0,2}$/;
