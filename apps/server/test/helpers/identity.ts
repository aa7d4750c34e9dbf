/**
 * Identity keys in relay tests (PROTOCOL.md §6.5): a fresh Ed25519 key, and
 * the keyed registration a test peer makes (hello → welcome → identify,
 * signing the welcome's token).
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { rawPublicKey, signIdentify, type ContactEntry, type WelcomeMessage } from '@udpchat/protocol';
import type { TestPeer } from './peer.js';

/** A fresh Ed25519 private key. */
export const newKey = (): KeyObject => generateKeyPairSync('ed25519').privateKey;

/** hello → welcome → identify with `key` (the token the welcome gave); returns the welcome. The relay's answer is the caller's to read. */
export async function identifyWithKey(peer: TestPeer, name: string, key: KeyObject, timeoutMs = 3000): Promise<WelcomeMessage> {
  await peer.hello(name);
  const welcome = await peer.next('welcome', () => true, timeoutMs);
  peer.token = welcome.token;
  await peer.send({ kind: 'identify', name, publicKey: rawPublicKey(key), signature: signIdentify(key, welcome.token, name) });
  return welcome;
}

/** `identifyWithKey`, then the first contact page; returns the welcome and that page's contacts. */
export async function registerWithKey(peer: TestPeer, name: string, key: KeyObject, timeoutMs = 3000): Promise<{ welcome: WelcomeMessage; contacts: ContactEntry[] }> {
  const welcome = await identifyWithKey(peer, name, key, timeoutMs);
  const page = await peer.next('contacts', () => true, timeoutMs);
  return { welcome, contacts: page.contacts };
}
