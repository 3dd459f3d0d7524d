import { createBoxKeyPair, openFrom, sealFor } from './key-box';

describe('key box', () => {
  const secret = Buffer.from('the CKKS secret key bytes');

  it('lets the recipient, and only the recipient, open the sealed key', () => {
    const dealer = createBoxKeyPair();
    const alice = createBoxKeyPair();
    const mallory = createBoxKeyPair();
    const sealed = sealFor(secret, dealer, alice.publicKey, 't-1', 'alice');
    expect(openFrom(sealed, alice, dealer.publicKey, 't-1', 'alice')).toEqual(secret);
    expect(() => openFrom(sealed, mallory, dealer.publicKey, 't-1', 'alice')).toThrow(/does not open/);
  });

  it('binds the box to the task and the recipient id, and refuses altered bytes', () => {
    const dealer = createBoxKeyPair();
    const alice = createBoxKeyPair();
    const sealed = sealFor(secret, dealer, alice.publicKey, 't-1', 'alice');
    expect(() => openFrom(sealed, alice, dealer.publicKey, 't-2', 'alice')).toThrow(/does not open/);
    expect(() => openFrom(sealed, alice, dealer.publicKey, 't-1', 'bob')).toThrow(/does not open/);
    const flipped = Buffer.from(sealed);
    flipped[20] ^= 1;
    expect(() => openFrom(flipped, alice, dealer.publicKey, 't-1', 'alice')).toThrow(/does not open/);
  });

  it('refuses a public key that is not X25519', () => {
    const dealer = createBoxKeyPair();
    expect(() => sealFor(secret, dealer, Buffer.from('nope'), 't-1', 'alice')).toThrow(/not an X25519 key/);
  });
});
