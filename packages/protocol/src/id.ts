import { nanoid } from 'nanoid';

/** A new chat message id: 21 characters of nanoid's URL-safe alphabet (~126 random bits). */
export function newMessageId(): string {
  return nanoid();
}
