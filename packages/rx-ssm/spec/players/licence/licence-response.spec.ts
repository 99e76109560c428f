import { describe, expect, it } from 'vitest';
import { emeLicence, licenceFormatOf, readLicenceResponse } from '../../../src/players/index.js';

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const json = (value: unknown) => utf8(JSON.stringify(value));

const CLEARKEY = 'org.w3.clearkey';
const WIDEVINE = 'com.widevine.alpha';
const PLAYREADY = 'com.microsoft.playready';
const FAIRPLAY = 'com.apple.fps';
const KEYS = [{ kty: 'oct', kid: 'a2lk', k: 'a2V5' }];
const WV_LICENCE = new Uint8Array([0x08, 0x02, 0x12, 0x10, 0xff, 0x00]);
const CKC = new Uint8Array([0xc4, 0xc0, 0x01, 0x02]);

/** A PlayReady licence answer (SOAP), with `customData` inside its CustomData element. */
const playReadyAnswer = (customData?: string) =>
  utf8(
    '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">' +
      '<soap:Body><AcquireLicenseResponse xmlns="http://schemas.microsoft.com/DRM/2007/03/protocols">' +
      '<AcquireLicenseResult><Response><LicenseResponse><Licenses><License>WFJNUg==</License></Licenses>' +
      (customData === undefined ? '' : `<CustomData>${customData}</CustomData>`) +
      '</LicenseResponse></Response></AcquireLicenseResult></AcquireLicenseResponse></soap:Body></soap:Envelope>',
  );

describe('licenceFormatOf(keySystem)', () => {
  it('knows the four DRM families by their EME names, and nothing else', () => {
    expect(licenceFormatOf(CLEARKEY)).toBe('clearkey');
    expect(licenceFormatOf(WIDEVINE)).toBe('widevine');
    expect(licenceFormatOf('com.microsoft.playready.recommendation')).toBe('playready');
    expect(licenceFormatOf('com.apple.fps.1_0')).toBe('fairplay');
    expect(licenceFormatOf('com.example.drm')).toBeUndefined();
    expect(licenceFormatOf('')).toBeUndefined();
    expect(licenceFormatOf(null)).toBeUndefined();
  });
});

describe('readLicenceResponse: ClearKey', () => {
  it('takes the sessionToken out: the CDM gets plain W3C ClearKey JSON', () => {
    const reading = readLicenceResponse(
      CLEARKEY,
      json({ keys: KEYS, type: 'temporary', sessionToken: 'T2' }),
    );
    expect(reading).toMatchObject({ status: 'read', sessionToken: 'T2' });
    expect(JSON.parse(text(reading.licence))).toEqual({ keys: KEYS, type: 'temporary' });
  });

  it('passes a licence without a token on as it came, with nothing for SSM', () => {
    const body = json({ keys: KEYS, type: 'temporary' });
    const reading = readLicenceResponse(CLEARKEY, body);
    expect(reading).toEqual({ status: 'read', licence: body });
  });

  it('calls malformed answers unreadable and leaves them unchanged', () => {
    const cases: Array<[Uint8Array, RegExp]> = [
      [utf8('not json'), /not a JSON object/],
      [json(['keys']), /not a JSON object/],
      [json({ type: 'temporary' }), /without a "keys" array/],
      [json({ keys: KEYS, sessionToken: 42 }), /"sessionToken" is not a non-empty string/],
      [json({ keys: KEYS, sessionToken: '' }), /"sessionToken" is not a non-empty string/],
      [new Uint8Array([0xff, 0xfe, 0x7b]), /not a JSON object/],
      [new Uint8Array(), /not a JSON object/],
    ];
    for (const [body, reason] of cases) {
      const reading = readLicenceResponse(CLEARKEY, body);
      expect(reading.status).toBe('unreadable');
      expect(reading.licence).toBe(body);
      expect(reading.status === 'unreadable' && reading.reason).toMatch(reason);
    }
  });
});

describe('readLicenceResponse: Widevine', () => {
  it('unwraps {"license": [base64, ...]} into the first licence; enforced when sessionDrmEnforced is missing', () => {
    const reading = readLicenceResponse(
      WIDEVINE,
      json({ license: [b64(WV_LICENCE), 'AAAA'], status: 'OK' }),
    );
    expect(reading).toEqual({ status: 'read', licence: WV_LICENCE, drmEnforced: true });
  });

  it('unwraps a plain base64 "license" too, and reads sessionDrmEnforced: true, false and null', () => {
    for (const [flag, enforced] of [
      [true, true],
      [false, false],
      [null, true],
    ] as const) {
      const reading = readLicenceResponse(
        WIDEVINE,
        json({ license: b64(WV_LICENCE), sessionDrmEnforced: flag }),
      );
      expect(reading).toEqual({ status: 'read', licence: WV_LICENCE, drmEnforced: enforced });
    }
  });

  it('passes a raw licence (not JSON) on as it came, saying nothing about enforcement', () => {
    expect(readLicenceResponse(WIDEVINE, WV_LICENCE)).toEqual({
      status: 'read',
      licence: WV_LICENCE,
    });
  });

  it('calls a JSON answer without a usable licence or flag unreadable', () => {
    for (const [body, reason] of [
      [utf8('{"license": '), /not a JSON object/],
      [json({ status: 'OK' }), /without a base64 "license"/],
      [json({ license: [] }), /without a base64 "license"/],
      [json({ license: ['%%%'] }), /without a base64 "license"/],
      [json({ license: 7 }), /without a base64 "license"/],
      [json({ license: 'AAAA', sessionDrmEnforced: 'yes' }), /not a boolean/],
    ] as const) {
      const reading = readLicenceResponse(WIDEVINE, body);
      expect(reading).toMatchObject({ status: 'unreadable', licence: body });
      expect(reading.status === 'unreadable' && reading.reason).toMatch(reason);
    }
  });
});

describe('readLicenceResponse: PlayReady', () => {
  it('reads the sessionToken from the JSON in CustomData and passes the XML on unchanged', () => {
    const body = playReadyAnswer('{&quot;sessionToken&quot;:&quot;T9&quot;,&quot;x&quot;:1}');
    expect(readLicenceResponse(PLAYREADY, body)).toEqual({
      status: 'read',
      licence: body,
      sessionToken: 'T9',
    });
  });

  it('reads CustomData with a namespace prefix, in CDATA, or with plain quotes', () => {
    for (const custom of [
      '<![CDATA[{"sessionToken":"T9"}]]>',
      '{"sessionToken":"T9"}',
      '{&#34;sessionToken&#34;:&#x22;T9&#x22;}',
    ]) {
      expect(readLicenceResponse(PLAYREADY, playReadyAnswer(custom))).toMatchObject({
        sessionToken: 'T9',
      });
    }
    const prefixed = utf8(
      '<pr:LicenseResponse><pr:CustomData>{"sessionToken":"T9"}</pr:CustomData></pr:LicenseResponse>',
    );
    expect(readLicenceResponse(PLAYREADY, prefixed)).toMatchObject({ sessionToken: 'T9' });
  });

  it('says nothing to SSM without CustomData, or when it holds no JSON token', () => {
    for (const custom of [undefined, 'opaque', '{"other":1}', '{"sessionToken":5}', '[]']) {
      const body = playReadyAnswer(custom);
      expect(readLicenceResponse(PLAYREADY, body)).toEqual({ status: 'read', licence: body });
    }
  });

  it('calls an answer that is not UTF-8 text unreadable', () => {
    const body = new Uint8Array([0x3c, 0xff, 0xfe]);
    expect(readLicenceResponse(PLAYREADY, body)).toMatchObject({
      status: 'unreadable',
      licence: body,
    });
  });
});

describe('readLicenceResponse: FairPlay', () => {
  it('unwraps {"CkcMessage": base64, "sessionToken": ...} into the CKC bytes and the token', () => {
    expect(
      readLicenceResponse(FAIRPLAY, json({ CkcMessage: b64(CKC), sessionToken: 'T4' })),
    ).toEqual({ status: 'read', licence: CKC, sessionToken: 'T4' });
  });

  it('unwraps a CKC without a token (heartbeat mode), and passes a raw CKC on as it came', () => {
    expect(readLicenceResponse(FAIRPLAY, json({ CkcMessage: b64(CKC) }))).toEqual({
      status: 'read',
      licence: CKC,
    });
    expect(readLicenceResponse(FAIRPLAY, CKC)).toEqual({ status: 'read', licence: CKC });
  });

  it('calls a JSON answer without a CKC, or with a bad token, unreadable', () => {
    for (const body of [
      json({ sessionToken: 'T4' }),
      json({ CkcMessage: '***', sessionToken: 'T4' }),
      json({ CkcMessage: b64(CKC), sessionToken: {} }),
      utf8('{ broken'),
    ]) {
      expect(readLicenceResponse(FAIRPLAY, body)).toMatchObject({
        status: 'unreadable',
        licence: body,
      });
    }
  });
});

describe('readLicenceResponse: other key systems', () => {
  it('passes any answer on as it came, even one that looks like an SSM answer', () => {
    const body = json({ keys: KEYS, sessionToken: 'T2' });
    expect(readLicenceResponse('com.example.drm', body)).toEqual({ status: 'read', licence: body });
    expect(readLicenceResponse(undefined, body)).toEqual({ status: 'read', licence: body });
  });
});

describe('emeLicence(src, keySystem, body): for plain EME code', () => {
  it('gives the bytes for MediaKeySession.update() and the LicenceAnswer for licence$', () => {
    const body = json({ keys: KEYS, type: 'temporary', sessionToken: 'T2' });
    const { licence, answer } = emeLicence('channel-3', CLEARKEY, body.buffer);
    expect(JSON.parse(text(licence))).toEqual({ keys: KEYS, type: 'temporary' });
    expect(answer).toEqual({ src: 'channel-3', keySystem: CLEARKEY, sessionToken: 'T2' });

    const wv = emeLicence('a', WIDEVINE, json({ license: [b64(WV_LICENCE)] }));
    expect(wv).toEqual({
      licence: WV_LICENCE,
      answer: { src: 'a', keySystem: WIDEVINE, drmEnforced: true },
    });
  });

  it('gives no answer, and the body as it came, when the answer cannot be read', () => {
    const body = utf8('{"keys": 1}');
    expect(emeLicence('a', CLEARKEY, body)).toEqual({ licence: body });
  });
});
