import type { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { AppState } from '../../../src/index.js';
import { appStateFromDocument, type DocumentLike } from '../../../src/players/index.js';

/** A document as far as the mapping reads it, with the events a browser fires. */
class FakeDocument extends EventTarget implements DocumentLike {
  visibilityState: 'visible' | 'hidden' = 'visible';
  pictureInPictureElement: unknown = null;
  hide() {
    this.visibilityState = 'hidden';
    this.dispatchEvent(new Event('visibilitychange'));
  }
  show() {
    this.visibilityState = 'visible';
    this.dispatchEvent(new Event('visibilitychange'));
  }
  pip(on: boolean) {
    this.pictureInPictureElement = on ? {} : null;
    // Fired at the video and bubbling: the mapping listens in the capture phase.
    this.dispatchEvent(new Event(on ? 'enterpictureinpicture' : 'leavepictureinpicture'));
  }
  fire(type: 'freeze' | 'resume') {
    this.dispatchEvent(new Event(type));
  }
}

function emitted(state$: Observable<AppState>, act: () => unknown): AppState[] {
  const seen: AppState[] = [];
  const subscription = state$.subscribe((state) => seen.push(state));
  act();
  subscription.unsubscribe();
  return seen;
}

describe('appStateFromDocument(document)', () => {
  it('visible is active, hidden is background, each change once', () => {
    const doc = new FakeDocument();
    expect(
      emitted(appStateFromDocument(doc), () => {
        doc.hide();
        doc.hide();
        doc.show();
      }),
    ).toEqual(['active', 'background', 'active']);
  });

  it('starts with the state the page is in', () => {
    const doc = new FakeDocument();
    doc.visibilityState = 'hidden';
    expect(emitted(appStateFromDocument(doc), () => {})).toEqual(['background']);
  });

  it('picture-in-picture is pip, hidden or not: the video is still on screen', () => {
    const doc = new FakeDocument();
    expect(
      emitted(appStateFromDocument(doc), () => {
        doc.pip(true);
        doc.hide();
        doc.pip(false);
        doc.show();
      }),
    ).toEqual(['active', 'pip', 'background', 'active']);
  });

  it('a frozen page is background until it resumes', () => {
    const doc = new FakeDocument();
    expect(
      emitted(appStateFromDocument(doc), () => {
        doc.fire('freeze');
        doc.fire('resume');
      }),
    ).toEqual(['active', 'background', 'active']);
  });

  it('hidden can be active, for an app that plays on while hidden', () => {
    const doc = new FakeDocument();
    expect(
      emitted(appStateFromDocument(doc, { hidden: 'active' }), () => {
        doc.hide();
        doc.fire('freeze');
        doc.fire('resume');
      }),
    ).toEqual(['active', 'background', 'active']);
  });
});
