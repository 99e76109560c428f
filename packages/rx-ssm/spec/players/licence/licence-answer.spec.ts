import { describe, expect, it } from 'vitest';
import { licenceAnswerOf } from '../../../src/players/licence/licence-answer.js';

const CKC = new TextEncoder().encode('ckc');

describe('licenceAnswerOf', () => {
  it('says a FairPlay answer without a token renewed the licence, the token kept', () => {
    expect(licenceAnswerOf('a.mpd', { status: 'read', licence: CKC }, 'com.apple.fps')).toEqual({
      src: 'a.mpd',
      keySystem: 'com.apple.fps',
      renewed: true,
    });
  });

  it('passes a FairPlay answer token on, and says nothing more of other key systems', () => {
    const withToken = { status: 'read' as const, licence: CKC, sessionToken: 'T2' };
    expect(licenceAnswerOf('a.mpd', withToken, 'com.apple.fps.1_0')).toEqual({
      src: 'a.mpd',
      sessionToken: 'T2',
      keySystem: 'com.apple.fps.1_0',
    });
    for (const keySystem of ['org.w3.clearkey', 'com.microsoft.playready', undefined]) {
      expect(licenceAnswerOf('a.mpd', { status: 'read', licence: CKC }, keySystem)).toEqual({
        src: 'a.mpd',
        ...(keySystem && { keySystem }),
      });
    }
  });
});
